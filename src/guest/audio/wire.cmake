# The audio wire format (control messages + PCM ring), shared by the guest
# plugin (src/guest/audio) and the host server (src/devices/audio). Either
# CMakeLists.txt may include this first.
include_guard(GLOBAL)
add_library(vmi_audio_wire STATIC
  ${CMAKE_CURRENT_LIST_DIR}/wire.cc
  ${CMAKE_CURRENT_LIST_DIR}/ring.cc
  ${CMAKE_CURRENT_LIST_DIR}/control_client.cc
)
target_link_libraries(vmi_audio_wire PUBLIC vmi_base)
