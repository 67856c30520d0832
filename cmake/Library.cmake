# The two shared objects next to the parlab executable (docs/install.md):
#   libparlab.so   the engine, the bindings and the C++ embedding API (embed/), linked with Debian's
#                  shared LuaJIT: what a C++ program links (find_package(parlab), pkg-config parlab).
#   lua/parlab.so  the Lua C module for a LuaJIT host (luajit, OpenResty, ...): the same engine and
#                  bindings, linked with no LuaJIT at all, so its lua_* calls go to the host's own VM.
# Both reuse the bindings' object files and the engine archive; bindings/library/ (where the object lies,
# which parlab executable spawned children run) is compiled into these two only.
find_library(LUAJIT_SHARED NAMES libluajit-5.1.so luajit-5.1)
parlab_require(LUAJIT_SHARED "the shared LuaJIT library" libluajit-5.1-dev)

file(GLOB PARLAB_LIBRARY_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/bindings/library/*.cpp)
file(GLOB PARLAB_EMBED_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/embed/*.cpp)
file(GLOB PARLAB_EMBED_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/embed/parlab/*.hpp)

add_library(parlab_lua_module MODULE $<TARGET_OBJECTS:parlab_bindings> ${PARLAB_LIBRARY_SOURCES})
target_include_directories(parlab_lua_module PRIVATE ${PROJECT_SOURCE_DIR} ${LUAJIT_INCLUDE})
target_link_libraries(parlab_lua_module PRIVATE parlab_engine dl)
set_target_properties(parlab_lua_module PROPERTIES OUTPUT_NAME parlab PREFIX ""
                      LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lua)

add_library(parlab_shared SHARED $<TARGET_OBJECTS:parlab_bindings> ${PARLAB_LIBRARY_SOURCES}
                                 ${PARLAB_EMBED_SOURCES})
target_include_directories(parlab_shared PRIVATE ${PROJECT_SOURCE_DIR} ${LUAJIT_INCLUDE}
                           PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/embed> $<INSTALL_INTERFACE:include>)
target_link_libraries(parlab_shared PRIVATE parlab_engine ${LUAJIT_SHARED} dl)
target_compile_features(parlab_shared PUBLIC cxx_std_17)
set_target_properties(parlab_shared PROPERTIES OUTPUT_NAME parlab EXPORT_NAME parlab
                      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
add_library(parlab::parlab ALIAS parlab_shared)
