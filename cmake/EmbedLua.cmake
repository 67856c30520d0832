# Turns bindings/lua/NAME.lua into entries of one generated C++ table, so the binary carries its
# Lua side with it (one file to copy to a cluster). bindings/embedded.hpp declares the table.
function(parlab_embed_lua output)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} "-DINPUTS=${ARGN}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedLuaRun.cmake
    DEPENDS ${ARGN} ${PROJECT_SOURCE_DIR}/cmake/EmbedLuaRun.cmake
    COMMENT "Embedding the Lua side of the bindings"
    VERBATIM)
endfunction()
