#include "experiments/parameter_path.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "proto/scenario.pb.h"
#include "world/field_error.h"

namespace reesim::experiments {

namespace {

// Walks a path like "plants[id=mt_weld].unit_cost_usd_per_kg" and sets the number.
void SetNumber(google::protobuf::Message& root, const std::string& path, double value) {
  using google::protobuf::FieldDescriptor;
  google::protobuf::Message* message = &root;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    std::string token = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    std::string selector;
    if (const std::size_t open = token.find('['); open != std::string::npos) {
      if (token.back() != ']') throw InputError("'" + token + "' has an unclosed [");
      selector = token.substr(open + 1, token.size() - open - 2);
      token = token.substr(0, open);
    }
    const google::protobuf::Descriptor* type = message->GetDescriptor();
    const FieldDescriptor* field = type->FindFieldByName(token);
    if (field == nullptr) throw InputError("no field '" + token + "' in " + type->full_name());
    const google::protobuf::Reflection* reflection = message->GetReflection();
    const bool last = dot == std::string::npos;
    if (field->is_repeated()) {
      if (selector.empty()) throw InputError("'" + token + "' is repeated: add [index] or [id=VALUE]");
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || last) {
        throw InputError("'" + token + "' is not a list of messages with numbers in them");
      }
      const int size = reflection->FieldSize(*message, field);
      int index = -1;
      if (selector.rfind("id=", 0) == 0) {
        const std::string id = selector.substr(3);
        for (int k = 0; k < size && index < 0; ++k) {
          const google::protobuf::Message& item = reflection->GetRepeatedMessage(*message, field, k);
          const FieldDescriptor* id_field = item.GetDescriptor()->FindFieldByName("id");
          if (id_field != nullptr && item.GetReflection()->GetString(item, id_field) == id) index = k;
        }
        if (index < 0) throw InputError("no " + token + " with id " + id);
      } else {
        char* end = nullptr;
        index = static_cast<int>(std::strtol(selector.c_str(), &end, 10));
        if (end == selector.c_str() || *end != '\0' || index < 0 || index >= size) {
          throw InputError("'" + token + "[" + selector + "]': index out of range (" + std::to_string(size) + " items)");
        }
      }
      message = reflection->MutableRepeatedMessage(message, field, index);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (last) throw InputError("'" + token + "' is a message, not a number");
      message = reflection->MutableMessage(message, field);
    } else {
      if (!last) throw InputError("'" + token + "' is a number: nothing follows it");
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_DOUBLE: reflection->SetDouble(message, field, value); return;
        case FieldDescriptor::CPPTYPE_FLOAT: reflection->SetFloat(message, field, static_cast<float>(value)); return;
        case FieldDescriptor::CPPTYPE_INT32: reflection->SetInt32(message, field, static_cast<std::int32_t>(std::lround(value))); return;
        case FieldDescriptor::CPPTYPE_INT64: reflection->SetInt64(message, field, std::llround(value)); return;
        case FieldDescriptor::CPPTYPE_UINT32: reflection->SetUInt32(message, field, static_cast<std::uint32_t>(std::lround(value))); return;
        case FieldDescriptor::CPPTYPE_UINT64: reflection->SetUInt64(message, field, static_cast<std::uint64_t>(std::llround(value))); return;
        default: throw InputError("'" + token + "' is not a number");
      }
    }
    start = dot + 1;
  }
}

}  // namespace

void SetScenarioNumber(reesim::Scenario& scenario, const std::string& path, double value) {
  // The errors below quote parts of the path as written: keep them one short line (a control character
  // such as \x1e once split a refusal in two; fuzz/regressions/experiment/).
  if (path.size() > kMaxParameterPathBytes) {
    throw InputError("a path of " + std::to_string(path.size()) + " bytes; a parameter path has at most " +
                     std::to_string(kMaxParameterPathBytes));
  }
  for (const char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) throw InputError("a parameter path holds no control characters");
  }
  SetNumber(scenario, path, value);
}

}  // namespace reesim::experiments
