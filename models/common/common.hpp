#pragma once
// models/common, one include away: the interface, heads, ELBO, schedules, IWAE, latent tools,
// the recurrence of the sequence models.
#include "xgrad/models/common/elbo.hpp"
#include "xgrad/models/common/fitted_gaussian.hpp"
#include "xgrad/models/common/generative_model.hpp"
#include "xgrad/models/common/heads.hpp"
#include "xgrad/models/common/iwae.hpp"
#include "xgrad/models/common/kl_schedule.hpp"
#include "xgrad/models/common/latent.hpp"
#include "xgrad/models/common/latent_variable_model.hpp"
#include "xgrad/models/common/objective.hpp"
#include "xgrad/models/common/pixelcnn_prior.hpp"
#include "xgrad/models/common/recurrence.hpp"
#include "xgrad/models/common/restoration.hpp"
#include "xgrad/models/common/registry.hpp"
#include "xgrad/models/common/total_correlation.hpp"
