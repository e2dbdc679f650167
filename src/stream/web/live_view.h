// LiveView: everything the browser viewers of one instance share: the video
// pipeline (encode once, fan out) and the control arbiter in front of the
// instance's input (the node's InputRouter when given one, else the sink
// through a private router). Transports hand each new connection to
// Connect().
//
// Ownership: the source and sink are borrowed and must outlive the LiveView;
// sessions borrow the LiveView (keep it alive until they are closed).
// Threads: Connect() is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "devices/display/frame_source.h"
#include "devices/input/input_sink.h"
#include "stream/video/video_pipeline.h"
#include "stream/web/control_arbiter.h"
#include "stream/web/viewer_session.h"

namespace vmi::web {

struct LiveViewOptions {
  video::PipelineOptions pipeline;  // `serialize` is set by LiveView
  ViewerSessionOptions session;
  // The node's router and its name of the instance: browser viewers become
  // viewers of it (one notion of control with VNC clients) and the sink
  // given to LiveView is not used. Borrowed; must outlive the LiveView.
  input::InputRouter* router = nullptr;
  std::string instance;
};

class LiveView {
 public:
  // `sink` may be null when options.router is set.
  LiveView(display::FrameSource* source, input::InputSink* sink, LiveViewOptions options);
  std::shared_ptr<ViewerSession> Connect(ViewerTransport* transport);
  video::VideoPipeline& pipeline() { return *pipeline_; }
  ControlArbiter& arbiter() { return *arbiter_; }

 private:
  static video::PipelineOptions WithSerializer(video::PipelineOptions o);
  const LiveViewOptions options_;
  std::unique_ptr<ControlArbiter> arbiter_;
  std::unique_ptr<video::VideoPipeline> pipeline_;
};

}  // namespace vmi::web
