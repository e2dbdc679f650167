#include "runtime/core/rtnetlink.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/veth.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

namespace vmi::runtime {
namespace {

// Large enough for any request here and for the kernel's acks (an error ack
// echoes the request).
constexpr size_t kBufSize = 8192;

nlmsghdr* Start(char* buf, uint16_t type, uint16_t flags, uint32_t seq) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  nlh->nlmsg_seq = seq;
  return nlh;
}

ifinfomsg* PutLink(nlmsghdr* nlh, int index, uint8_t family = AF_UNSPEC) {
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = family;
  ifi->ifi_index = index;
  return ifi;
}

// A traffic-control header (qdisc or filter) for interface `index` under
// `parent`, after Start.
tcmsg* PutTc(nlmsghdr* nlh, int index, uint32_t parent) {
  auto* tcm = static_cast<tcmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(tcmsg)));
  tcm->tcm_family = AF_UNSPEC;
  tcm->tcm_ifindex = index;
  tcm->tcm_parent = parent;
  return tcm;
}

Result<in_addr> ParseAddress4(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1)
    return Error(ErrorCode::kInvalidArgument, "not an IPv4 address: " + s);
  return a;
}

Result<mnl_socket*> OpenSocket() {
  mnl_socket* s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!s) return Error::FromErrno("netlink socket");
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) != 0) {
    Error e = Error::FromErrno("bind netlink socket");
    mnl_socket_close(s);
    return e;
  }
  return s;
}

}  // namespace

Rtnetlink::Rtnetlink(mnl_socket* s)
    : sock_(s), port_(mnl_socket_get_portid(s)), buf_(new char[kBufSize]) {}

Rtnetlink::Rtnetlink(Rtnetlink&& o) noexcept
    : sock_(std::exchange(o.sock_, nullptr)),
      port_(o.port_),
      seq_(o.seq_),
      buf_(std::move(o.buf_)) {}

Rtnetlink& Rtnetlink::operator=(Rtnetlink&& o) noexcept {
  if (this != &o) {
    if (sock_) mnl_socket_close(sock_);
    sock_ = std::exchange(o.sock_, nullptr);
    port_ = o.port_;
    seq_ = o.seq_;
    buf_ = std::move(o.buf_);
  }
  return *this;
}

Rtnetlink::~Rtnetlink() {
  if (sock_) mnl_socket_close(sock_);
}

Result<Rtnetlink> Rtnetlink::Open() { return Rtnetlink(VMI_TRY(OpenSocket())); }

Result<Rtnetlink> Rtnetlink::OpenIn(int netns_fd) {
  // setns(CLONE_NEWNET) moves only the calling thread, and a socket stays in
  // the namespace it was created in: a throwaway thread makes it there.
  Result<mnl_socket*> s = Error(ErrorCode::kInternal, "no socket");
  std::thread([&] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      s = Error::FromErrno("enter network namespace");
      return;
    }
    s = OpenSocket();
  }).join();
  if (!s.ok()) return std::move(s).error();
  return Rtnetlink(*s);
}

Result<void> Rtnetlink::Transact(const std::string& what) {
  auto* nlh = reinterpret_cast<nlmsghdr*>(buf_.get());
  const uint32_t seq = nlh->nlmsg_seq;
  if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0) return Error::FromErrno("send " + what);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock_, buf_.get(), kBufSize);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::FromErrno("receive " + what);
    // mnl_cb_run turns an error ack into -1 with errno set; a plain ack is
    // MNL_CB_STOP.
    int r = mnl_cb_run(buf_.get(), static_cast<size_t>(n), seq, port_, nullptr, nullptr);
    if (r == MNL_CB_ERROR) {
      if (errno == ESRCH) continue;  // a stale message of an earlier request
      Error e = Error::FromErrno(what);
      if (errno == ENODEV || errno == ENOENT) return Error(ErrorCode::kNotFound, e.ToString());
      if (errno == EEXIST) return Error(ErrorCode::kAlreadyExists, e.ToString());
      return e;
    }
    if (r == MNL_CB_STOP) return Ok();
  }
}

Result<int> Rtnetlink::LinkIndex(const std::string& name) {
  // if_nametoindex would open a socket of its own in the thread's namespace,
  // which is not this socket's; ask this one.
  nlmsghdr* nlh = Start(buf_.get(), RTM_GETLINK, 0, ++seq_);
  PutLink(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  const uint32_t seq = nlh->nlmsg_seq;
  if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0) return Error::FromErrno("send getlink");
  int index = 0;
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock_, buf_.get(), kBufSize);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::FromErrno("receive getlink");
    auto cb = [](const nlmsghdr* h, void* data) -> int {
      if (h->nlmsg_type == RTM_NEWLINK) {
        auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h));
        *static_cast<int*>(data) = ifi->ifi_index;
      }
      return MNL_CB_OK;
    };
    int r = mnl_cb_run(buf_.get(), static_cast<size_t>(n), seq, port_, cb, &index);
    if (r == MNL_CB_ERROR) {
      if (errno == ENODEV) return Error(ErrorCode::kNotFound, "no network interface " + name);
      return Error::FromErrno("look up interface " + name);
    }
    if (r == MNL_CB_STOP) break;
  }
  if (index <= 0) return Error(ErrorCode::kNotFound, "no network interface " + name);
  return index;
}

Result<void> Rtnetlink::AddBridge(const std::string& name) {
  nlmsghdr* nlh = Start(buf_.get(), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ++seq_);
  PutLink(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end(nlh, info);
  return Transact("create bridge " + name);
}

Result<void> Rtnetlink::AddVeth(const std::string& name, const std::string& peer_name,
                                int peer_netns_fd, int master_index, const MacAddress& peer_mac) {
  nlmsghdr* nlh = Start(buf_.get(), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ++seq_);
  ifinfomsg* ifi = PutLink(nlh, 0);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  if (master_index > 0) mnl_attr_put_u32(nlh, IFLA_MASTER, static_cast<uint32_t>(master_index));
  nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  // VETH_INFO_PEER carries a whole ifinfomsg followed by the peer's attributes.
  nlattr* peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  auto* peer_ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload_tail(nlh));
  memset(peer_ifi, 0, sizeof *peer_ifi);
  nlh->nlmsg_len += MNL_ALIGN(sizeof(ifinfomsg));
  mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name.c_str());
  mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, static_cast<uint32_t>(peer_netns_fd));
  mnl_attr_put(nlh, IFLA_ADDRESS, peer_mac.size(), peer_mac.data());
  mnl_attr_nest_end(nlh, peer);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, info);
  return Transact("create veth " + name);
}

Result<void> Rtnetlink::AddIfb(const std::string& name) {
  nlmsghdr* nlh = Start(buf_.get(), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ++seq_);
  ifinfomsg* ifi = PutLink(nlh, 0);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
  mnl_attr_nest_end(nlh, info);
  return Transact("create " + name);
}

Result<void> Rtnetlink::ReplaceRootTbf(int index, uint64_t rate, uint32_t burst,
                                       uint32_t latency_ms) {
  nlmsghdr* nlh = Start(buf_.get(), RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ++seq_);
  PutTc(nlh, index, TC_H_ROOT);
  mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
  nlattr* opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
  tc_tbf_qopt q{};
  // An Ethernet link layer lets the kernel compute transmit times itself,
  // so no rate table is sent; TCA_TBF_BURST gives the bucket in bytes.
  q.rate.linklayer = TC_LINKLAYER_ETHERNET;
  q.rate.rate = static_cast<uint32_t>(std::min<uint64_t>(rate, ~0U));
  // The queue holds what the rate drains in `latency_ms`, plus a burst.
  q.limit = static_cast<uint32_t>(std::min<uint64_t>(rate * latency_ms / 1000 + burst, ~0U));
  mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof q, &q);
  if (rate >= ~0U) mnl_attr_put_u64(nlh, TCA_TBF_RATE64, rate);
  mnl_attr_put_u32(nlh, TCA_TBF_BURST, burst);
  mnl_attr_nest_end(nlh, opts);
  return Transact("token bucket on interface " + std::to_string(index));
}

Result<void> Rtnetlink::ReplaceRootNetem(int index, const Netem& n) {
  nlmsghdr* nlh = Start(buf_.get(), RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ++seq_);
  PutTc(nlh, index, TC_H_ROOT);
  mnl_attr_put_strz(nlh, TCA_KIND, "netem");
  // Netem's options are a struct tc_netem_qopt followed by attributes,
  // all inside TCA_OPTIONS. The struct's delays are in 64 ns ticks; the
  // 64-bit attributes after it give them in ns and take precedence.
  nlattr* opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
  auto* q = static_cast<tc_netem_qopt*>(mnl_nlmsg_put_extra_header(nlh, sizeof(tc_netem_qopt)));
  q->latency = static_cast<uint32_t>(std::min<uint64_t>(n.delay_ns >> 6, ~0U));
  q->jitter = static_cast<uint32_t>(std::min<uint64_t>(n.jitter_ns >> 6, ~0U));
  q->limit = n.limit;
  // A probability scaled to 32 bits: ~0 is certain loss.
  double loss = std::clamp(n.loss, 0.0, 1.0);
  q->loss = loss >= 1.0 ? ~0U : static_cast<uint32_t>(loss * 4294967295.0);
  mnl_attr_put_u64(nlh, TCA_NETEM_LATENCY64, n.delay_ns);
  mnl_attr_put_u64(nlh, TCA_NETEM_JITTER64, n.jitter_ns);
  if (n.rate > 0) {
    tc_netem_rate r{};
    r.rate = static_cast<uint32_t>(std::min<uint64_t>(n.rate, ~0U));
    mnl_attr_put(nlh, TCA_NETEM_RATE, sizeof r, &r);
    if (n.rate >= ~0U) mnl_attr_put_u64(nlh, TCA_NETEM_RATE64, n.rate);
  }
  mnl_attr_nest_end(nlh, opts);
  return Transact("netem on interface " + std::to_string(index));
}

Result<void> Rtnetlink::DeleteRootQdisc(int index) {
  nlmsghdr* nlh = Start(buf_.get(), RTM_DELQDISC, 0, ++seq_);
  PutTc(nlh, index, TC_H_ROOT);
  auto r = Transact("delete root qdisc of interface " + std::to_string(index));
  // The default root qdisc cannot be deleted (EINVAL or ENOENT): nothing was there.
  if (!r.ok() && r.error().code() != ErrorCode::kNotFound &&
      r.error().code() != ErrorCode::kInvalidArgument)
    return r;
  return Ok();
}

Result<void> Rtnetlink::RedirectIngress(int index, int to_index) {
  const std::string what = "redirect interface " + std::to_string(index);
  nlmsghdr* nlh = Start(buf_.get(), RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ++seq_);
  tcmsg* tcm = PutTc(nlh, index, TC_H_INGRESS);
  tcm->tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0);
  mnl_attr_put_strz(nlh, TCA_KIND, "ingress");
  VMI_CHECK_OK(Transact(what), "ingress qdisc");

  // u32 with one key matching every frame (mask 0), terminal, whose action
  // steals the frame and sends it out of `to_index`.
  nlh = Start(buf_.get(), RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ++seq_);
  tcm = PutTc(nlh, index, TC_H_MAKE(TC_H_INGRESS, 0));
  tcm->tcm_info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL));  // priority 1, every protocol
  mnl_attr_put_strz(nlh, TCA_KIND, "u32");
  nlattr* opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
  // tc_u32_sel ends in a flexible array of keys: the selector is followed
  // by one all-zero key in the attribute.
  alignas(tc_u32_sel) char match[sizeof(tc_u32_sel) + sizeof(tc_u32_key)] = {};
  auto* sel = reinterpret_cast<tc_u32_sel*>(match);
  sel->flags = TC_U32_TERMINAL;
  sel->nkeys = 1;
  mnl_attr_put(nlh, TCA_U32_SEL, sizeof match, match);
  nlattr* acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
  nlattr* act = mnl_attr_nest_start(nlh, 1);  // the first action
  mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
  nlattr* act_opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
  tc_mirred m{};
  m.action = TC_ACT_STOLEN;
  m.eaction = TCA_EGRESS_REDIR;
  m.ifindex = static_cast<uint32_t>(to_index);
  mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof m, &m);
  mnl_attr_nest_end(nlh, act_opts);
  mnl_attr_nest_end(nlh, act);
  mnl_attr_nest_end(nlh, acts);
  mnl_attr_nest_end(nlh, opts);
  return Transact(what + " to " + std::to_string(to_index));
}

Result<void> Rtnetlink::DeleteQdiscs(int index) {
  for (uint32_t parent : {TC_H_ROOT, TC_H_INGRESS}) {
    nlmsghdr* nlh = Start(buf_.get(), RTM_DELQDISC, 0, ++seq_);
    tcmsg* tcm = PutTc(nlh, index, parent);
    if (parent == TC_H_INGRESS) tcm->tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0);
    auto r = Transact("delete qdisc of interface " + std::to_string(index));
    // The default root qdisc cannot be deleted (EINVAL or ENOENT): nothing was there.
    if (!r.ok() && r.error().code() != ErrorCode::kNotFound &&
        r.error().code() != ErrorCode::kInvalidArgument)
      return r;
  }
  return Ok();
}

Result<void> Rtnetlink::SetBridgePortIsolated(int index) {
  nlmsghdr* nlh = Start(buf_.get(), RTM_SETLINK, 0, ++seq_);
  PutLink(nlh, index, AF_BRIDGE);
  nlattr* proto = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
  mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, 1);
  mnl_attr_nest_end(nlh, proto);
  return Transact("isolate bridge port " + std::to_string(index));
}

Result<void> Rtnetlink::SetUp(int index) {
  nlmsghdr* nlh = Start(buf_.get(), RTM_NEWLINK, 0, ++seq_);
  ifinfomsg* ifi = PutLink(nlh, index);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return Transact("set interface " + std::to_string(index) + " up");
}

Result<void> Rtnetlink::DeleteLink(int index) {
  nlmsghdr* nlh = Start(buf_.get(), RTM_DELLINK, 0, ++seq_);
  PutLink(nlh, index);
  return Transact("delete interface " + std::to_string(index));
}

Result<void> Rtnetlink::AddAddress4(int index, const std::string& address, int prefix_len) {
  in_addr a = VMI_TRY(ParseAddress4(address));
  nlmsghdr* nlh = Start(buf_.get(), RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ++seq_);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = static_cast<uint8_t>(prefix_len);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<uint32_t>(index);
  mnl_attr_put(nlh, IFA_LOCAL, sizeof a, &a);
  mnl_attr_put(nlh, IFA_ADDRESS, sizeof a, &a);
  return Transact("add address " + address);
}

Result<void> Rtnetlink::AddDefaultRoute4(const std::string& gateway) {
  in_addr gw = VMI_TRY(ParseAddress4(gateway));
  nlmsghdr* nlh = Start(buf_.get(), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, ++seq_);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 0;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put(nlh, RTA_GATEWAY, sizeof gw, &gw);
  return Transact("add default route via " + gateway);
}

}  // namespace vmi::runtime
