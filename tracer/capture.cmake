# sjtracer: capture a process tree into a snapshot (procfs, attach, unwind,
# symbolize).  Included from tracer/CMakeLists.txt.
add_library(sjtracer STATIC
  ${CMAKE_CURRENT_LIST_DIR}/procfs.c
  ${CMAKE_CURRENT_LIST_DIR}/syscalls.c
  ${CMAKE_CURRENT_LIST_DIR}/stopfx.c
  ${CMAKE_CURRENT_LIST_DIR}/sockdiag.c
  ${CMAKE_CURRENT_LIST_DIR}/reach.c
  ${CMAKE_CURRENT_LIST_DIR}/attach.c
  ${CMAKE_CURRENT_LIST_DIR}/ehframe.c
  ${CMAKE_CURRENT_LIST_DIR}/unwind.c
  ${CMAKE_CURRENT_LIST_DIR}/symbolize.c
  ${CMAKE_CURRENT_LIST_DIR}/capture.c)
target_include_directories(sjtracer PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(sjtracer PUBLIC sjsnapshot PRIVATE PkgConfig::LIBUNWIND PkgConfig::LIBDW sjpython sjmapfile)
sigjam_sanitize(sjtracer)
