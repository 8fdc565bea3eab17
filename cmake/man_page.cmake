# Writes reesim's manual page (roff, section 1) from the program's own --help texts, so the page and
# the program never disagree: `reesim --help` for the synopsis, then each command's `--help`.
#   cmake -DREESIM=path/to/reesim -DOUTPUT=reesim.1 -DVERSION=x.y.z -P man_page.cmake
execute_process(COMMAND ${REESIM} --help OUTPUT_VARIABLE overview RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${REESIM} --help failed (${status})")
endif()

# Text as a roff no-fill block: backslashes escaped, lines that would start a request protected.
function(as_roff text out)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "\n([.'])" "\n\\\\&\\1" text "\n${text}")
  string(SUBSTRING "${text}" 1 -1 text)
  set(${out} ".nf\n${text}\n.fi\n" PARENT_SCOPE)
endfunction()

string(REGEX MATCH "commands:\n(.*)\noptions:" commands_block "${overview}")
string(REGEX MATCHALL "\n  [a-z]+ " names "\n${CMAKE_MATCH_1}")
set(page ".TH REESIM 1 \"\" \"reesim ${VERSION}\" \"User Commands\"\n.SH NAME\nreesim \\- an agent-based, game-theoretic model of the global rare-earth supply chain\n.SH SYNOPSIS\n")
as_roff("${overview}" block)
string(APPEND page "${block}")
foreach(name IN LISTS names)
  string(STRIP "${name}" name)
  execute_process(COMMAND ${REESIM} ${name} --help OUTPUT_VARIABLE help RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${REESIM} ${name} --help failed (${status})")
  endif()
  string(TOUPPER "${name}" title)
  as_roff("${help}" block)
  string(APPEND page ".SH REESIM ${title}\n${block}")
endforeach()
string(APPEND page ".SH SEE ALSO\nThe README and docs/ of the source tree; /usr/local/share/reesim for the scenario library, examples and tools.\n")
file(WRITE "${OUTPUT}.tmp" "${page}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
