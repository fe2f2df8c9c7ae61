// Tensor printing, a port of PyTorch 1.13's torch/_tensor_str.py with the default print
// options (precision 4, threshold 1000, edgeitems 3, linewidth 80, sci_mode None).
// One _Formatter decides the mode and the column width from every printed value (only
// the edge items when summarising), so all columns align; the layout functions below
// follow _vector_str, _tensor_str_with_formatter, _str_intern and _add_suffixes line by line.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nnkit/autograd/node.hpp>
#include <nnkit/tensor.hpp>

namespace nnkit {

namespace {

constexpr int kPrecision = 4;
constexpr std::int64_t kThreshold = 1000;
constexpr std::int64_t kEdgeItems = 3;
constexpr int kLinewidth = 80;

/// printf with one double; Python's format of a finite float gives the same digits
/// (both round the exact binary value correctly).
std::string printf_double(const char* format, int width, double value) {
  char buffer[64];
  const int n = width > 0 ? std::snprintf(buffer, sizeof buffer, format, width, value)
                          : std::snprintf(buffer, sizeof buffer, format, value);
  return std::string(buffer, static_cast<std::size_t>(n));
}

/// Python's spelling of a non-finite float: inf, -inf, nan (never -nan).
std::string nonfinite(double value) {
  if (std::isnan(value)) return "nan";
  return value < 0 ? "-inf" : "inf";
}

/// '{:.4f}'.format(value)
std::string fixed(double value) {
  if (!std::isfinite(value)) return nonfinite(value);
  return printf_double("%.*f", kPrecision, value);
}

/// '{:.0f}'.format(value)
std::string fixed0(double value) {
  if (!std::isfinite(value)) return nonfinite(value);
  return printf_double("%.0f", 0, value);
}

/// '{:W.4e}'.format(value) (W = 0: no padding)
std::string scientific(double value, int width = 0) {
  if (!std::isfinite(value)) {
    std::string text = nonfinite(value);
    if (static_cast<int>(text.size()) < width) text.insert(0, width - text.size(), ' ');
    return text;
  }
  char buffer[64];
  const int n = std::snprintf(buffer, sizeof buffer, "%*.*e", width, kPrecision, value);
  return std::string(buffer, static_cast<std::size_t>(n));
}

/// '{}'.format(int)
std::string integer(float value) { return std::to_string(static_cast<long long>(value)); }

/// _Formatter: picks int / fixed / scientific mode and the width from `values`.
class Formatter {
public:
  Formatter(const std::vector<float>& values, bool floating) : floating_(floating) {
    if (!floating_) {
      for (float v : values) max_width_ = std::max(max_width_, static_cast<int>(integer(v).size()));
      return;
    }
    std::vector<float> nonzero_finite;
    for (float v : values) {
      if (std::isfinite(v) && v != 0.0f) nonzero_finite.push_back(v);
    }
    if (nonzero_finite.empty()) return;  // no valid number: int mode, width 1

    double min_abs = std::abs(static_cast<double>(nonzero_finite[0])), max_abs = min_abs;
    for (float v : nonzero_finite) {
      const double a = std::abs(static_cast<double>(v));
      min_abs = std::min(min_abs, a);
      max_abs = std::max(max_abs, a);
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (int_mode_) {
      // All integers: printed as "3." (the dot says the dtype is floating).
      if (max_abs / min_abs > 1000.0 || max_abs > 1.0e8) {
        sci_mode_ = true;
        for (float v : nonzero_finite) widen(scientific(v).size());
      } else {
        for (float v : nonzero_finite) widen(fixed0(v).size() + 1);
      }
    } else if (max_abs / min_abs > 1000.0 || max_abs > 1.0e8 || min_abs < 1.0e-4) {
      sci_mode_ = true;
      for (float v : nonzero_finite) widen(scientific(v).size());
    } else {
      for (float v : nonzero_finite) widen(fixed(v).size());
    }
  }

  int width() const { return max_width_; }

  /// One value, right-aligned to the common width.
  std::string format(float value) const {
    std::string text;
    if (!floating_) {
      text = integer(value);
    } else if (sci_mode_) {
      text = scientific(value, max_width_);
    } else if (int_mode_) {
      text = fixed0(value);
      if (std::isfinite(value)) text += '.';
    } else {
      text = fixed(value);
    }
    if (static_cast<int>(text.size()) < max_width_) text.insert(0, max_width_ - text.size(), ' ');
    return text;
  }

private:
  void widen(std::size_t width) { max_width_ = std::max(max_width_, static_cast<int>(width)); }

  bool floating_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int max_width_ = 1;
};

/// Walks a contiguous tensor the way _tensor_str does, with or without summarisation.
class Printer {
public:
  explicit Printer(const Tensor& tensor)
      : shape_(tensor.shape()), data_(tensor.data()), summarize_(tensor.numel() > kThreshold),
        strides_(shape_.size(), 1) {
    for (std::size_t d = shape_.size(); d-- > 1;) strides_[d - 1] = strides_[d] * shape_[d];
    std::vector<float> shown;  // get_summarized_data when summarising, else everything
    collect(0, 0, shown);
    formatter_ = std::make_unique<Formatter>(shown, tensor.dtype() == Dtype::Float32);
  }

  /// _tensor_str_with_formatter from the outermost dimension.
  std::string str(std::int64_t indent) const { return format(0, 0, indent); }

private:
  bool elided(std::size_t dim) const { return summarize_ && shape_[dim] > 2 * kEdgeItems; }

  /// Indices printed along `dim`: all, or the first and last kEdgeItems when summarising.
  std::vector<std::int64_t> indices(std::size_t dim) const {
    std::vector<std::int64_t> result;
    const auto size = shape_[dim];
    for (std::int64_t i = 0; i < size; ++i) {
      if (!elided(dim) || i < kEdgeItems || i >= size - kEdgeItems) result.push_back(i);
    }
    return result;
  }

  void collect(std::size_t dim, std::int64_t offset, std::vector<float>& out) const {
    if (dim == shape_.size()) {
      out.push_back(data_[offset]);
      return;
    }
    for (auto i : indices(dim)) collect(dim + 1, offset + i * strides_[dim], out);
  }

  std::string format(std::size_t dim, std::int64_t offset, std::int64_t indent) const {
    const std::size_t rank = shape_.size();
    if (rank == 0) return formatter_->format(data_[0]);  // _scalar_str
    if (dim + 1 == rank) return vector(dim, offset, indent);

    std::vector<std::string> slices;
    for (auto i : indices(dim)) {
      if (elided(dim) && i == shape_[dim] - kEdgeItems) slices.push_back("...");
      slices.push_back(format(dim + 1, offset + i * strides_[dim], indent + 1));
    }
    std::string separator = ",";
    separator.append(rank - dim - 1, '\n').append(static_cast<std::size_t>(indent + 1), ' ');
    return bracket(join(slices, separator));
  }

  /// _vector_str: as many elements per line as fit in linewidth − indent.
  std::string vector(std::size_t dim, std::int64_t offset, std::int64_t indent) const {
    const int element_length = formatter_->width() + 2;  // the value plus ", "
    const auto per_line = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::floor(static_cast<double>(kLinewidth - indent) / element_length)));
    std::vector<std::string> items;
    for (auto i : indices(dim)) {
      if (elided(dim) && i == shape_[dim] - kEdgeItems) items.push_back(" ...");
      items.push_back(formatter_->format(data_[offset + i * strides_[dim]]));
    }
    std::vector<std::string> lines;
    for (std::size_t begin = 0; begin < items.size(); begin += per_line) {
      const auto end = std::min(items.size(), begin + static_cast<std::size_t>(per_line));
      lines.push_back(join(std::vector<std::string>(items.begin() + begin, items.begin() + end), ", "));
    }
    std::string separator = ",\n";
    separator.append(static_cast<std::size_t>(indent + 1), ' ');
    return bracket(join(lines, separator));
  }

  // (string appends rather than "[" + s + "]": GCC 12 gives a false -Wrestrict on the latter)
  static std::string bracket(const std::string& inner) {
    std::string text = "[";
    text.append(inner).push_back(']');
    return text;
  }

  static std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i) text += separator;
      text += parts[i];
    }
    return text;
  }

  const Shape& shape_;
  const float* data_;
  bool summarize_;
  std::vector<std::int64_t> strides_;
  std::unique_ptr<Formatter> formatter_;
};

/// Python's str(tuple(shape)): "(0, 3)", "(0,)".
std::string python_tuple(const Shape& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// _add_suffixes: ", suffix" on the last line while it fits in linewidth, else a new line.
std::string add_suffixes(const std::string& tensor_str, const std::vector<std::string>& suffixes,
                         std::int64_t indent) {
  std::string text = tensor_str;
  const auto newline = tensor_str.rfind('\n');
  // Python: len(s) - s.rfind("\n") + 1, with rfind = -1 when there is no newline.
  std::int64_t last_line_len = static_cast<std::int64_t>(tensor_str.size()) -
                               (newline == std::string::npos ? -1 : static_cast<std::int64_t>(newline)) + 1;
  for (const auto& suffix : suffixes) {
    const auto suffix_len = static_cast<std::int64_t>(suffix.size());
    if (last_line_len + suffix_len + 2 > kLinewidth) {
      text += ",\n" + std::string(static_cast<std::size_t>(indent), ' ') + suffix;
      last_line_len = indent + suffix_len;
    } else {
      text += ", " + suffix;
      last_line_len += suffix_len + 2;
    }
  }
  return text + ")";
}

}  // namespace

std::string repr(const Tensor& tensor) {
  if (!tensor.defined()) return "tensor(undefined)";  // torch has no undefined Python tensor
  const std::string prefix = "tensor(";
  const auto indent = static_cast<std::int64_t>(prefix.size());
  std::vector<std::string> suffixes;
  std::string tensor_str;
  if (tensor.numel() == 0) {
    // Explicitly print the shape if it is not (0,), as torch does to match NumPy.
    if (tensor.dim() != 1) suffixes.push_back("size=" + python_tuple(tensor.shape()));
    // No element shows the dtype, so a non-default one is spelled out.
    if (tensor.dtype() == Dtype::Int64) suffixes.push_back("dtype=torch.int64");
    tensor_str = "[]";
  } else {
    tensor_str = Printer(tensor).str(indent);  // float32 and int64 are both default dtypes
  }
  if (tensor.grad_fn()) {
    suffixes.push_back("grad_fn=<" + tensor.grad_fn()->name() + ">");
  } else if (tensor.requires_grad()) {
    suffixes.push_back("requires_grad=True");
  }
  return add_suffixes(prefix + tensor_str, suffixes, indent);
}

std::ostream& operator<<(std::ostream& out, const Tensor& tensor) { return out << repr(tensor); }

}  // namespace nnkit
