#pragma once
// A run's report as one self-contained HTML page, readable offline.
#include <string>

namespace xgrad::apps {

/// The HTML of a run's report (curves as inline SVG, pictures as base64 PNG, metrics table).
std::string render_report(const std::string& dir);

}  // namespace xgrad::apps
