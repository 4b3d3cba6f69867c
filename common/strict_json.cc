#include "common/strict_json.h"

#include <vector>

namespace verbind::common {

namespace {

using nlohmann::json;

constexpr size_t kMaxNesting = 64;

// Builds the document from the parser's events, as nlohmann's own builder does, and stops at the
// first repeated key or at too deep a nesting: no key copies, no second pass.
class StrictBuilder {
 public:
  explicit StrictBuilder(json* root) : root_(root) {}

  bool null() { return Put(nullptr); }
  bool boolean(bool v) { return Put(v); }
  bool number_integer(json::number_integer_t v) { return Put(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Put(v); }
  bool number_float(json::number_float_t v, const json::string_t&) { return Put(v); }
  bool string(json::string_t& v) { return Put(std::move(v)); }
  bool binary(json::binary_t& v) { return Put(json::binary(std::move(v))); }
  bool start_object(std::size_t) { return Open(json::object()); }
  bool start_array(std::size_t) { return Open(json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(json::string_t& k) {
    auto [it, inserted] = open_.back()->get_ref<json::object_t&>().try_emplace(std::move(k));
    if (!inserted) {
      problem_ = "duplicate key \"" + it->first.substr(0, 40) + "\"";
      return false;
    }
    member_ = &it->second;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without the tag.
    std::string what = e.what();
    size_t bracket = what.find("] ");
    syntax_ = bracket == std::string::npos ? what : what.substr(bracket + 2);
    return false;
  }
  const std::string& syntax() const { return syntax_; }

  const std::string& problem() const { return problem_; }

 private:
  // Where the next value goes: the root, the end of the open array, or the member just keyed.
  // Pointers to open containers stay valid: values are only ever added to the innermost one.
  template <typename V>
  json* Place(V&& v) {
    if (open_.empty()) {
      *root_ = json(std::forward<V>(v));
      return root_;
    }
    json& top = *open_.back();
    if (top.is_array()) {
      auto& items = top.get_ref<json::array_t&>();
      items.emplace_back(std::forward<V>(v));
      return &items.back();
    }
    *member_ = json(std::forward<V>(v));
    return member_;
  }
  template <typename V>
  bool Put(V&& v) {
    Place(std::forward<V>(v));
    return true;
  }
  bool Open(json container) {
    if (open_.size() >= kMaxNesting) {
      problem_ = "nested more than " + std::to_string(kMaxNesting) + " levels";
      return false;
    }
    open_.push_back(Place(std::move(container)));
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }

  json* root_;
  std::vector<json*> open_;
  json* member_ = nullptr;
  std::string problem_;
  std::string syntax_;
};

}  // namespace

Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view what) {
  json j;
  StrictBuilder builder(&j);
  if (json::sax_parse(text, &builder)) return j;
  if (!builder.problem().empty()) {
    return InvalidArgument(std::string(what) + ": " + builder.problem());
  }
  return InvalidArgument(std::string(what) + " is not valid JSON" +
                         (builder.syntax().empty() ? "" : ": " + builder.syntax()));
}

}  // namespace verbind::common
