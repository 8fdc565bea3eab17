# The classroom's game without the network code (server.cc) and the page: listed once, for
# classroom/CMakeLists.txt and for the fuzz build (fuzz/CMakeLists.txt), which has no npm and no Beast.
set(REESIM_CLASSROOM_GAME_SOURCES assets.cc game.cc journal.cc replay.cc tokens.cc what_if.cc)
list(TRANSFORM REESIM_CLASSROOM_GAME_SOURCES PREPEND ${CMAKE_CURRENT_LIST_DIR}/)
