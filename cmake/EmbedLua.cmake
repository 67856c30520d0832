# Turns NAME.lua files (bindings/modules/, cli/lua/) into entries of a generated C++ table, so the binary carries its Lua side
# with it (one file to copy to a cluster). Each file is first compiled to bytecode by cmake/bcdump.c, built
# against the LuaJIT that parlab links: loading bytecode costs ~0.05 ms where parsing cost ~1 ms, and every
# thread, worker and process opens these chunks. bindings/core/embedded.hpp declares the
# table type; `symbol` names the table (embedded_chunks: the bindings; cli_chunks: the REPL).
if(NOT TARGET parlab_bcdump)
  add_executable(parlab_bcdump ${CMAKE_CURRENT_LIST_DIR}/bcdump.c)
  target_link_libraries(parlab_bcdump PRIVATE parlab::luajit)
endif()

function(parlab_embed_lua output symbol)
  set(chunks "")
  foreach(src ${ARGN})
    get_filename_component(name ${src} NAME_WE)
    set(bc ${CMAKE_CURRENT_BINARY_DIR}/lua-bytecode/${symbol}/${name}.bc)
    add_custom_command(
      OUTPUT ${bc}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/lua-bytecode/${symbol}
      COMMAND parlab_bcdump ${src} ${name} ${bc}
      DEPENDS ${src} parlab_bcdump
      VERBATIM)
    list(APPEND chunks ${bc})
  endforeach()
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} "-DINPUTS=${chunks}" -DSYMBOL=${symbol} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedLuaRun.cmake
    DEPENDS ${chunks} ${PROJECT_SOURCE_DIR}/cmake/EmbedLuaRun.cmake
    COMMENT "Embedding Lua chunks as ${symbol}"
    VERBATIM)
endfunction()
