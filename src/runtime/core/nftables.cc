#include "runtime/core/nftables.h"

#include <nftables/libnftables.h>

#include <memory>

#include "base/file.h"

namespace vmi::runtime {

Result<std::string> RunNft(const std::string& commands, bool json) {
  std::unique_ptr<nft_ctx, void (*)(nft_ctx*)> ctx(nft_ctx_new(NFT_CTX_DEFAULT), nft_ctx_free);
  if (!ctx) return Error(ErrorCode::kInternal, "libnftables: cannot make a context");
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  if (json) nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
  if (nft_run_cmd_from_buffer(ctx.get(), commands.c_str()) != 0) {
    std::string message(Trim(nft_ctx_get_error_buffer(ctx.get())));
    // nft's errors are "Error: <what>" followed by the offending line and a
    // caret line: the first line says it all.
    message = message.substr(0, message.find('\n'));
    if (message.find("No such file or directory") != std::string::npos)
      return Error(ErrorCode::kNotFound, "nftables: " + message);
    return Error(ErrorCode::kInternal, "nftables: " + message);
  }
  return std::string(nft_ctx_get_output_buffer(ctx.get()));
}

}  // namespace vmi::runtime
