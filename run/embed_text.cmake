# Writes the scenario files INPUTS (a |-separated list) into OUTPUT as reesim::run::
# kBuiltinScenarios, each as a list of byte values so no delimiter inside the text can break it.
string(REPLACE "|" ";" INPUTS "${INPUTS}")
set(entries "")
set(arrays "")
set(index 0)
foreach(input IN LISTS INPUTS)
  get_filename_component(name ${input} NAME_WE)
  file(READ ${input} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(APPEND arrays "const char kText${index}[] = {${bytes} 0};\n")
  string(APPEND entries "    {\"${name}\", kText${index}},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE ${OUTPUT} "// Generated from scenarios/*.textproto; do not edit.
#include \"run/scenario_io.h\"

namespace reesim::run {
namespace {
${arrays}}  // namespace

const std::vector<BuiltinScenario>& BuiltinScenarios() {
  static const std::vector<BuiltinScenario> kScenarios = {
${entries}  };
  return kScenarios;
}

}  // namespace reesim::run
")
