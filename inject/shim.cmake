# libsigjam.so — the LD_PRELOAD shim.  Every inject/*.c except the pure
# parser/name files (linked through sjspec) and fuzz drivers, so the safety
# half's files join without edits here.
file(GLOB SIGJAM_SHIM_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
list(FILTER SIGJAM_SHIM_SOURCES EXCLUDE REGEX "/(spec|names)\\.c$")
list(FILTER SIGJAM_SHIM_SOURCES EXCLUDE REGEX "/fuzz_[^/]*\\.c$")
# Developer aid for a shared tree: leave out files another part has half
# written (e.g. -DSIGJAM_SHIM_EXCLUDE="/(handlers|unsafe)[^/]*\\.c$").
set(SIGJAM_SHIM_EXCLUDE "" CACHE STRING "Regex of inject/*.c files to leave out of libsigjam.so")
if(SIGJAM_SHIM_EXCLUDE)
  list(FILTER SIGJAM_SHIM_SOURCES EXCLUDE REGEX "${SIGJAM_SHIM_EXCLUDE}")
endif()

add_library(sigjam_preload SHARED ${SIGJAM_SHIM_SOURCES})
set_target_properties(sigjam_preload PROPERTIES
  OUTPUT_NAME sigjam
  C_VISIBILITY_PRESET hidden
  LIBRARY_OUTPUT_DIRECTORY ${SIGJAM_SHIM_DIR}
  LINK_DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/libsigjam.map)
target_include_directories(sigjam_preload PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})

# Exports: the interposed functions are the only default-visibility symbols
# of our own objects; sjspec is a plain static library, so its sj_* functions
# (and anything internal that slipped through) are made local here.  A shim
# that exported sj_spec_parse would also override the CLI's copy if the CLI
# ever ran under itself.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/libsigjam.map
  "{\n  global: *;\n  local: sj_*; _sj_*;\n};\n")
target_link_options(sigjam_preload PRIVATE
  -Wl,--version-script=${CMAKE_CURRENT_BINARY_DIR}/libsigjam.map
  -Wl,-z,now -Wl,--no-undefined)

# libunwind (local) for the journal's backtraces; -ldl for dlsym/dladdr.
target_link_libraries(sigjam_preload PRIVATE sjspec PkgConfig::LIBUNWIND_LOCAL ${CMAKE_DL_LIBS})
# Never sanitized (see sigjam_sanitize): an instrumented preload would have to
# come first in every process it enters, Python included.

install(TARGETS sigjam_preload LIBRARY DESTINATION ${SIGJAM_SHIM_RELDIR})
