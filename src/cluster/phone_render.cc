// phone_render: reads a Phone (JSON) on stdin and prints what the controller
// would create for it, {"pod": ..., "claim": ...}, with the default options
// (for the manifest tests, tests/kubernetes/validate.mjs, and for looking).
#include <iostream>
#include <iterator>
#include <string>

#include "cluster/desired.h"

int main(int argc, char** argv) {
  std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto j = vmi::cluster::Json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    std::cerr << "phone_render: stdin is not JSON\n";
    return 2;
  }
  auto phone = vmi::cluster::ParsePhone(j);
  if (!phone.ok()) {
    std::cerr << "phone_render: " << phone.error().ToString() << "\n";
    return 1;
  }
  vmi::cluster::PodOptions options;
  if (argc > 1) options.devhost_image = argv[1];
  std::cout << vmi::cluster::Json{{"pod", vmi::cluster::DesiredPod(*phone, options)},
                                  {"claim", vmi::cluster::DesiredClaim(*phone)}}
                   .dump(2)
            << "\n";
  return 0;
}
