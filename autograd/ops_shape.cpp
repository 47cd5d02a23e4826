#include "xgrad/autograd/ops_shape.hpp"

#include "xgrad/autograd/record.hpp"
#include "xgrad/core/elementwise.hpp"
#include "xgrad/core/shape_ops.hpp"

namespace xgrad::autograd {

namespace c = xgrad::core;
using detail::record;
using detail::record_list;

namespace {

// Adds gy into its region of input 0's gradient, in place (zeros first when there is no
// gradient yet): a window split into L step pieces costs one window in backward, not L.
template <class T>
void accumulate_slice(Node<T>& self, int axis, Index start, Index stop, Index step, const Tensor<T>& gy) {
  Tensor<T>* g = nullptr;
  if (self.grad_buffer(0, g) == T(0)) g->fill_(T(0));
  c::slice_add_(*g, axis, start, stop, step, gy);
}

}  // namespace

template <class T>
Variable<T> reshape(const Variable<T>& x, const Shape& shape) {
  return record(OpId::reshape, c::reshape(x.value(), shape), [](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, std::move(gy).reshape(self.input(0).shape()));
  }, x);
}

template <class T>
Variable<T> flatten(const Variable<T>& x, int start, int end) {
  const Shape& s = x.shape();
  if (s.rank() == 0) return reshape(x, Shape{1});
  const int a = core::normalize_axis(start, s.rank(), "flatten"), b = core::normalize_axis(end, s.rank(), "flatten");
  if (a > b) throw core::ValueError("flatten: start axis " + std::to_string(start) + " comes after end axis " +
                                   std::to_string(end) + " for shape " + s.str());
  std::vector<Index> d(s.begin(), s.begin() + a);
  Index merged = 1;
  for (int i = a; i <= b; ++i) merged *= s[i];
  d.push_back(merged);
  d.insert(d.end(), s.begin() + b + 1, s.end());
  return reshape(x, Shape(d));
}

template <class T>
Variable<T> unsqueeze(const Variable<T>& x, int axis) {
  Shape s = x.shape();
  const int a = core::normalize_axis(axis, s.rank() + 1, "unsqueeze");
  std::vector<Index> d(s.begin(), s.end());
  d.insert(d.begin() + a, 1);
  return reshape(x, Shape(d));
}

template <class T>
Variable<T> squeeze(const Variable<T>& x, int axis) {
  const int a = core::normalize_axis(axis, x.dim(), "squeeze");
  std::vector<Index> d(x.shape().begin(), x.shape().end());
  if (d[static_cast<std::size_t>(a)] != 1)
    throw core::ShapeError("squeeze: axis " + std::to_string(axis) + " of shape " + x.shape().str() + " is not 1");
  d.erase(d.begin() + a);
  return reshape(x, Shape(d));
}

template <class T>
Variable<T> permute(const Variable<T>& x, const std::vector<int>& dims) {
  return record(OpId::permute, c::permute(x.value(), dims), [dims](Node<T>& self, Tensor<T>& gy) {
    std::vector<int> inverse(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i)
      inverse[static_cast<std::size_t>(core::normalize_axis(dims[i], static_cast<int>(dims.size()), "permute"))] =
          static_cast<int>(i);
    self.accumulate(0, c::permute(gy, inverse));
  }, x);
}

template <class T>
Variable<T> transpose(const Variable<T>& x, int a, int b) {
  std::vector<int> dims(static_cast<std::size_t>(x.dim()));
  for (int i = 0; i < x.dim(); ++i) dims[static_cast<std::size_t>(i)] = i;
  std::swap(dims[static_cast<std::size_t>(core::normalize_axis(a, x.dim(), "transpose"))],
            dims[static_cast<std::size_t>(core::normalize_axis(b, x.dim(), "transpose"))]);
  return permute(x, dims);
}

template <class T>
Variable<T> slice(const Variable<T>& x, int axis, Index start, Index stop, Index step) {
  return record(OpId::slice, c::slice(x.value(), axis, start, stop, step),
                [axis, start, stop, step](Node<T>& self, Tensor<T>& gy) {
                  accumulate_slice(self, axis, start, stop, step, gy);
                }, x);
}

template <class T>
Variable<T> narrow(const Variable<T>& x, int axis, Index start, Index length) {
  return slice(x, axis, start, start + length, 1);
}

template <class T>
Variable<T> concat(const std::vector<Variable<T>>& xs, int axis) {
  std::vector<const Tensor<T>*> values;  // the inputs' own tensors, not copies
  std::vector<const Variable<T>*> inputs;
  values.reserve(xs.size());
  inputs.reserve(xs.size());
  for (const auto& v : xs) {
    values.push_back(&v.value());
    inputs.push_back(&v);
  }
  Tensor<T> out = c::concat_borrowed(values, axis);
  const int a = core::normalize_axis(axis, out.dim(), "concat");
  return record_list(OpId::concat, std::move(out), [a](Node<T>& self, Tensor<T>& gy) {
    Index offset = 0;
    for (std::size_t i = 0; i < self.num_parents(); ++i) {
      const Index len = self.input(i).size(a);
      if (self.needs_grad(i)) self.accumulate(i, c::narrow(gy, a, offset, len));
      offset += len;
    }
  }, inputs);
}

template <class T>
Variable<T> stack(const std::vector<Variable<T>>& xs, int axis) {
  std::vector<const Tensor<T>*> values;  // the inputs' own tensors, not copies
  std::vector<const Variable<T>*> inputs;
  values.reserve(xs.size());
  inputs.reserve(xs.size());
  for (const auto& v : xs) {
    values.push_back(&v.value());
    inputs.push_back(&v);
  }
  Tensor<T> out = c::stack_borrowed(values, axis);
  const int a = core::normalize_axis(axis, out.dim(), "stack");
  return record_list(OpId::stack, std::move(out), [a](Node<T>& self, Tensor<T>& gy) {
    for (std::size_t i = 0; i < self.num_parents(); ++i)
      if (self.needs_grad(i))  // reshaping the narrowed temporary moves it: one copy, not two
        self.accumulate(i, c::narrow(gy, a, static_cast<Index>(i), 1).reshape(self.input(i).shape()));
  }, inputs);
}

template <class T>
std::vector<Variable<T>> split(const Variable<T>& x, const std::vector<Index>& sizes, int axis) {
  std::vector<Tensor<T>> pieces = c::split(x.value(), sizes, axis);
  const int a = core::normalize_axis(axis, x.dim(), "split");
  std::vector<Variable<T>> out;
  Index offset = 0;
  for (auto& p : pieces) {
    const Index len = p.size(a);
    out.push_back(record(OpId::split, std::move(p), [a, offset, len](Node<T>& self, Tensor<T>& gy) {
      accumulate_slice(self, a, offset, offset + len, 1, gy);
    }, x));
    offset += len;
  }
  return out;
}

template <class T>
Variable<T> index_select(const Variable<T>& x, int axis, const core::IndexTensor& index) {
  return record(OpId::index_select, c::index_select(x.value(), axis, index), [axis, index](Node<T>& self, Tensor<T>& gy) {
    Tensor<T> g = Tensor<T>::zeros(self.input(0).shape());
    c::index_add_(g, axis, index, gy);
    self.accumulate(0, std::move(g));
  }, x);
}

template <class T>
Variable<T> embedding(const Variable<T>& w, const core::IndexTensor& indices) {
  if (w.value().dim() != 2) throw core::ShapeError("embedding: the table " + w.shape().str() + " must be (num, dim)");
  Shape out = indices.shape();
  out.push_back(w.value().size(1));
  const core::IndexTensor flat = indices.reshape(Shape{indices.numel()});
  // The picked rows take their shape in place: index_select then reshape copied the
  // output (1 MiB per lookup in the Transformer VAE step).
  return record(OpId::embedding, c::index_select(w.value(), 0, flat).reshape(out), [flat](Node<T>& self, Tensor<T>& gy) {
    Tensor<T> g = Tensor<T>::zeros(self.input(0).shape());
    c::index_add_(g, 0, flat, std::move(gy).reshape(Shape{flat.numel(), g.size(1)}));
    self.accumulate(0, std::move(g));
  }, w);
}

template <class T>
Variable<T> gather(const Variable<T>& x, int axis, const core::IndexTensor& index) {
  return record(OpId::gather, c::gather(x.value(), axis, index), [axis, index](Node<T>& self, Tensor<T>& gy) {
    Tensor<T> g = Tensor<T>::zeros(self.input(0).shape());
    c::scatter_add_(g, axis, index, gy);
    self.accumulate(0, std::move(g));
  }, x);
}

template <class T>
Variable<T> broadcast_to(const Variable<T>& x, const Shape& shape) {
  return record(OpId::broadcast_to, c::broadcast_to(x.value(), shape), [](Node<T>& self, Tensor<T>& gy) {
    self.accumulate(0, c::sum_to(gy, self.input(0).shape()));
  }, x);
}

#define XGRAD_INSTANTIATE(T)                                                                             \
  template Variable<T> reshape(const Variable<T>&, const Shape&);                                        \
  template Variable<T> flatten(const Variable<T>&, int, int);                                            \
  template Variable<T> unsqueeze(const Variable<T>&, int);                                               \
  template Variable<T> squeeze(const Variable<T>&, int);                                                 \
  template Variable<T> permute(const Variable<T>&, const std::vector<int>&);                             \
  template Variable<T> transpose(const Variable<T>&, int, int);                                          \
  template Variable<T> slice(const Variable<T>&, int, Index, Index, Index);                              \
  template Variable<T> narrow(const Variable<T>&, int, Index, Index);                                    \
  template Variable<T> concat(const std::vector<Variable<T>>&, int);                                     \
  template Variable<T> stack(const std::vector<Variable<T>>&, int);                                      \
  template std::vector<Variable<T>> split(const Variable<T>&, const std::vector<Index>&, int);           \
  template Variable<T> index_select(const Variable<T>&, int, const core::IndexTensor&);                  \
  template Variable<T> embedding(const Variable<T>&, const core::IndexTensor&);                         \
  template Variable<T> gather(const Variable<T>&, int, const core::IndexTensor&);                        \
  template Variable<T> broadcast_to(const Variable<T>&, const Shape&);
XGRAD_INSTANTIATE(float)
XGRAD_INSTANTIATE(double)
#undef XGRAD_INSTANTIATE

}  // namespace xgrad::autograd
