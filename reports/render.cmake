# sjreports: the renderers (text, JSON, JUnit, SARIF, DOT/SVG) over the
# report model.  Included from reports/CMakeLists.txt.
add_library(sjreports STATIC
  ${CMAKE_CURRENT_LIST_DIR}/render.c
  ${CMAKE_CURRENT_LIST_DIR}/rutil.c
)
foreach(src text json junit sarif dot)
  # Renderers land one by one; never name a file before it exists.
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${src}.c)
    target_sources(sjreports PRIVATE ${CMAKE_CURRENT_LIST_DIR}/${src}.c)
  endif()
endforeach()
target_include_directories(sjreports PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(sjreports PUBLIC sjmodel PkgConfig::JANSSON PRIVATE sjspec)
target_compile_definitions(sjreports PRIVATE SIGJAM_VERSION="${PROJECT_VERSION}")
sigjam_sanitize(sjreports)
