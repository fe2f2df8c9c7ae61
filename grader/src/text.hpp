#pragma once
/// Text on its way into a report. Much of what a report quotes comes from places the
/// grader does not control: a submission's exception messages, its output, the compiler's
/// diagnostics of its source (any bytes at all: a Latin-1 comment, random bytes), folder
/// names. nlohmann::json refuses to write invalid UTF-8, XML 1.0 forbids most control
/// characters, and an 8 MB exception message would make an 8 MB report: so every such
/// string passes through these functions before it reaches results.json, JUnit XML, a
/// CSV, a table or the instructor's log, and a report is always valid UTF-8 of bounded
/// size that can always be written (docs/architecture.md, step 5).
#include <cstddef>
#include <string>
#include <string_view>

namespace grader::text {

/// The longest marker cut() appends: a bound on cut()'s output is max_bytes + this.
inline constexpr std::size_t kCutMarkerBytes = 48;

/// How much of a submission's own text the reports quote. A student reads a few lines;
/// the rest would only make a report megabytes long (an 8 MB exception message).
inline constexpr std::size_t kCaseTextBytes = 2048;         ///< one case's message
inline constexpr std::size_t kCompilerOutputBytes = 8192;   ///< one part's compiler output
inline constexpr std::size_t kNoteBytes = 512;              ///< one note of the summary
inline constexpr std::size_t kInstructorTextBytes = 16384;  ///< one text of the instructor's log

/// `bytes` as valid UTF-8 that any report format accepts: each ill-formed sequence
/// becomes U+FFFD (one per maximal ill-formed subpart, as Unicode recommends); so do the
/// control characters other than \n and \t (C0, DEL, C1: a terminal escape sequence must
/// not reach the instructor's terminal, and XML 1.0 forbids most of them) and the
/// non-characters U+FFFE and U+FFFF (also forbidden in XML). "\r\n" becomes "\n".
std::string sanitize(std::string_view bytes);

/// sanitize(bytes) cut to at most `max_bytes` bytes, on a character boundary; when
/// anything was left out it ends with " [... N more bytes cut]" (at most
/// kCutMarkerBytes more). Reads no further into `bytes` than it keeps, so cutting a
/// 32 MiB message costs what keeping max_bytes of it does.
std::string cut(std::string_view bytes, std::size_t max_bytes);

/// The first line of `bytes`, cut as cut() does.
std::string first_line(std::string_view bytes, std::size_t max_bytes);

/// cut(bytes, max_bytes) on one line: newlines and tabs become spaces. For lines of a log
/// in which a student's text must never start a line of its own (run_autograder trusts
/// the lines that begin with "nnkit-grade: ").
std::string one_line(std::string_view bytes, std::size_t max_bytes);

/// Every line of `text` (already sanitized) with `prefix` in front: untrusted text quoted
/// in the instructor's log, where it cannot pass for one of the grader's own lines.
std::string quoted_lines(std::string_view text, std::string_view prefix);

/// XML 1.0 character data: sanitize(bytes) with & < > " ' escaped.
std::string xml_escape(std::string_view bytes);

/// An XML attribute value: xml_escape(bytes), with newlines and tabs as character
/// references (a parser would otherwise turn them into spaces).
std::string xml_attribute(std::string_view bytes);

/// One CSV field (RFC 4180) of a text value: sanitized, quoted when it holds a comma, a
/// quote or a line break (quotes doubled); a value a spreadsheet would run as a formula
/// (it starts with = + - or @) gets a leading apostrophe, as OWASP advises for CSV
/// exports. For text only: numbers are written as they are.
std::string csv_field(std::string_view bytes);

/// Whether `bytes` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above
/// U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

}  // namespace grader::text
