# Writes the project's link graph to ${PROJECT_BINARY_DIR}/link-graph.tsv once the
# whole project is configured, for tools/boundaries/check-boundaries (ctest
# unit.boundaries). One line per target the project defines and per link it declares:
#   target <TAB> name <TAB> folder that defines it, relative to the source root <TAB> type
#   link   <TAB> name <TAB> a LINK_LIBRARIES or INTERFACE_LINK_LIBRARIES item, as written
# Read from CMake's own target properties rather than from the CMakeLists text, so a
# link made through a variable, a helper function or a generator expression counts too.

function(gosmart_collect_targets directory out)
  get_property(targets DIRECTORY ${directory} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirectories DIRECTORY ${directory} PROPERTY SUBDIRECTORIES)
  foreach(subdirectory IN LISTS subdirectories)
    gosmart_collect_targets(${subdirectory} nested)
    list(APPEND targets ${nested})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(gosmart_write_link_graph)
  gosmart_collect_targets(${PROJECT_SOURCE_DIR} targets)
  set(lines "")
  foreach(target IN LISTS targets)
    get_target_property(folder ${target} SOURCE_DIR)
    file(RELATIVE_PATH folder ${PROJECT_SOURCE_DIR} ${folder})
    get_target_property(type ${target} TYPE)
    string(APPEND lines "target\t${target}\t${folder}\t${type}\n")
    foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(items ${target} ${property})
      if(items)
        foreach(item IN LISTS items)
          string(APPEND lines "link\t${target}\t${item}\n")
        endforeach()
      endif()
    endforeach()
  endforeach()
  file(WRITE ${PROJECT_BINARY_DIR}/link-graph.tsv "${lines}")
endfunction()

# At the end of the top-level CMakeLists.txt, after every add_subdirectory.
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL gosmart_write_link_graph)
