# Writes INPUT's bytes into OUTPUT as reesim::experiments::kBaselineScenarioText, as a list of byte
# values so no delimiter inside the text can break the literal.
file(READ ${INPUT} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\nnamespace reesim::experiments {\nextern const char kBaselineScenarioText[];\nconst char kBaselineScenarioText[] = {${bytes} 0};\n}\n")
