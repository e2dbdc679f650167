// TokenRemapper: seed 002's token remapping for a modem shared by several
// instances.
//
// Each instance's RIL client numbers its requests itself, so two instances
// can have the same token in flight at once. When a request reaches the
// shared modem, the remapper keeps the instance's token if no request with
// that token is in flight on the modem (a "real" token), and otherwise
// gives it a fresh "dummy" token. It remembers each pair, with the request
// type (the completion's payload is decoded by type), so the completion,
// in whatever order it comes, goes back to the right instance under the
// token that instance used.
//
// Threads: single-threaded (the modem service's loop).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vmi::telephony {

class TokenRemapper {
 public:
  struct Pending {
    std::string client;     // instance id
    uint64_t client_token;  // the token the client used
    int request;            // request type (RIL request number)
    bool dummy;             // the modem saw another token
  };

  // Registers a request; returns the token to give the modem.
  uint64_t Issue(const std::string& client, uint64_t client_token, int request);
  // Resolves a completion from the modem; nullopt for a token not in flight
  // (a late answer to a dropped client, or a modem error).
  std::optional<Pending> Complete(uint64_t modem_token);
  // Forgets a client's requests (its instance stopped): their completions
  // will resolve to nothing. Returns how many were dropped.
  size_t DropClient(const std::string& client);

  size_t in_flight() const { return by_modem_token_.size(); }
  // The modem tokens in flight (to fail them all when the modem is lost).
  std::vector<uint64_t> InFlight() const;

 private:
  std::map<uint64_t, Pending> by_modem_token_;
  // Dummy tokens count down from the top of the range, where client
  // counters (which start small and grow) do not reach in practice; a
  // collision is still checked.
  uint64_t next_dummy_ = UINT64_MAX;
};

}  // namespace vmi::telephony
