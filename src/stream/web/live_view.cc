#include "stream/web/live_view.h"

namespace vmi::web {

video::PipelineOptions LiveView::WithSerializer(video::PipelineOptions o) {
  o.serialize = &ViewerSession::Serialize;
  return o;
}

LiveView::LiveView(display::FrameSource* source, input::InputSink* sink, LiveViewOptions options)
    : options_(std::move(options)),
      arbiter_(options_.router ? std::make_unique<ControlArbiter>(options_.router, options_.instance)
                               : std::make_unique<ControlArbiter>(sink)),
      pipeline_(std::make_unique<video::VideoPipeline>(source, WithSerializer(options_.pipeline))) {}

std::shared_ptr<ViewerSession> LiveView::Connect(ViewerTransport* transport) {
  return ViewerSession::Create(transport, pipeline_.get(), arbiter_.get(), options_.session);
}

}  // namespace vmi::web
