// Text on its way into a report: see text.hpp.
#include "text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace grader::text {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

/// One decoded character: its code point (kInvalid for an ill-formed subpart) and how
/// many bytes it took.
struct Decoded {
  char32_t code_point;
  std::size_t length;
};

/// Decodes the character at `at` (Unicode's table 3-7 of well-formed UTF-8 sequences).
/// An ill-formed sequence yields kInvalid with the length of its maximal subpart (at
/// least 1): the next byte that cannot continue it starts the next character.
Decoded decode(std::string_view bytes, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  char32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return {kInvalid, 1};
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (at + k >= bytes.size()) return {kInvalid, k};
    const unsigned char next = byte(at + k);
    const unsigned char lo = k == 1 ? low : 0x80, hi = k == 1 ? high : 0xBF;
    if (next < lo || next > hi) return {kInvalid, k};
    code_point = (code_point << 6) | (next & 0x3F);
  }
  return {code_point, length};
}

/// Whether `c` may stand in a report as it is (see sanitize()).
bool allowed(char32_t c) {
  if (c == '\n' || c == '\t') return true;
  if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return false;
  return c != 0xFFFE && c != 0xFFFF;
}

/// Appends the sanitized characters of `bytes` from `at` to `out` while `out` stays within
/// `max_bytes`; returns where it stopped.
std::size_t sanitize_into(std::string_view bytes, std::size_t at, std::string& out,
                          std::size_t max_bytes) {
  while (at < bytes.size()) {
    if (bytes[at] == '\r' && at + 1 < bytes.size() && bytes[at + 1] == '\n') {
      ++at;  // "\r\n" -> "\n": a source file saved on Windows
      continue;
    }
    const Decoded d = decode(bytes, at);
    const bool keep = d.code_point != kInvalid && allowed(d.code_point);
    const std::size_t length = keep ? d.length : kReplacement.size();
    if (out.size() + length > max_bytes) break;
    if (keep) out.append(bytes.substr(at, d.length));
    else out.append(kReplacement);
    at += d.length;
  }
  return at;
}

}  // namespace

std::string sanitize(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  sanitize_into(bytes, 0, out, std::string::npos);
  return out;
}

std::string cut(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(bytes.size(), max_bytes) + kCutMarkerBytes);
  const std::size_t stop = sanitize_into(bytes, 0, out, max_bytes);
  if (stop < bytes.size()) out += fmt::format(" [... {} more bytes cut]", bytes.size() - stop);
  return out;
}

std::string first_line(std::string_view bytes, std::size_t max_bytes) {
  return cut(bytes.substr(0, bytes.find('\n')), max_bytes);
}

std::string one_line(std::string_view bytes, std::size_t max_bytes) {
  std::string line = cut(bytes, max_bytes);
  for (char& ch : line) {
    if (ch == '\n' || ch == '\t') ch = ' ';
  }
  return line;
}

std::string quoted_lines(std::string_view text, std::string_view prefix) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out.append(prefix);
    out.append(text.substr(start, end - start));
    out += '\n';
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

std::string xml_escape(std::string_view bytes) {
  std::string out;
  for (const char ch : sanitize(bytes)) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string xml_attribute(std::string_view bytes) {
  std::string out;
  for (const char ch : xml_escape(bytes)) {
    if (ch == '\n') out += "&#10;";
    else if (ch == '\t') out += "&#9;";
    else out += ch;
  }
  return out;
}

std::string csv_field(std::string_view bytes) {
  std::string value = sanitize(bytes);
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    value = std::string(1, '\'').append(value);
  }
  if (value.find_first_of(",\"\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (const char ch : value) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t at = 0; at < bytes.size();) {
    const Decoded d = decode(bytes, at);
    if (d.code_point == kInvalid) return false;
    at += d.length;
  }
  return true;
}

}  // namespace grader::text
