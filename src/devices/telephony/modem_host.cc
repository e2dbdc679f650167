#include "devices/telephony/modem_host.h"

#include <pthread.h>

#include "base/log.h"
#include "devices/telephony/modem_endpoint.h"
#include "devices/telephony/remote_line.h"

namespace vmi::telephony {

Result<std::unique_ptr<ModemHost>> ModemHost::Start(std::string instance, std::string devdir,
                                                    std::string line_socket,
                                                    std::string token) {
  std::unique_ptr<ModemHost> h(new ModemHost());
  h->loop_ = VMI_TRY(EventLoop::Create());
  EventLoop* loop = h->loop_.get();
  auto endpoint = VMI_TRY_CTX(
      ModemEndpoint::Create(
          loop,
          [loop, line_socket, instance, token] {
            return std::make_unique<RemoteLine>(loop, line_socket, instance, token);
          },
          instance, devdir),
      "modem endpoint");
  // RING repetition and the re-announcement of unread SMS (AtModem::Tick).
  ModemEndpoint* raw = endpoint.get();
  (void)VMI_TRY(loop->AddTimer(std::chrono::milliseconds(2000), [raw] { raw->Tick(); }, true));
  h->thread_ = std::thread([loop, instance, endpoint = std::move(endpoint)]() mutable {
    pthread_setname_np(pthread_self(), "vmi-modem-line");
    auto r = loop->Run();
    if (!r.ok()) VMI_ILOG(ERROR, instance) << "modem: " << r.error().ToString();
    endpoint.reset();  // on this thread: it removes its fds from the loop
  });
  return h;
}

ModemHost::~ModemHost() {
  if (loop_) loop_->Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace vmi::telephony
