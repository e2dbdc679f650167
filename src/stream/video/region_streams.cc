#include "stream/video/region_streams.h"

#include <algorithm>

namespace vmi::video {

namespace {

using display::Rect;

bool Overlaps(const Rect& a, const Rect& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

bool Contains(const Rect& outer, const Rect& r) {
  return r.x >= outer.x && r.y >= outer.y && r.x + r.w <= outer.x + outer.w &&
         r.y + r.h <= outer.y + outer.h;
}

Rect Union(const Rect& a, const Rect& b) {
  int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  int x1 = std::max(a.x + a.w, b.x + b.w), y1 = std::max(a.y + a.h, b.y + b.h);
  return {x0, y0, x1 - x0, y1 - y0};
}

// `r` widened to whole macroblocks, within the even-sized screen the
// encoders see. A screen that is not a multiple of 16 ends in a partial
// macroblock: a region touching that edge is moved in so it stays 16-wide.
Rect AlignToMacroblocks(const Rect& r, int width, int height) {
  int x0 = std::max(0, r.x) & ~15, y0 = std::max(0, r.y) & ~15;
  int x1 = std::min(width, (r.x + r.w + 15) & ~15);
  int y1 = std::min(height, (r.y + r.h + 15) & ~15);
  if (x1 - x0 < 16) x0 = std::max(0, x1 - 16);
  if (y1 - y0 < 16) y0 = std::max(0, y1 - 16);
  return {x0, y0, x1 - x0, y1 - y0};
}

}  // namespace

std::optional<std::vector<Rect>> PlanRegions(const std::vector<Rect>& existing,
                                             const std::vector<Rect>& damage, int width,
                                             int height, int max_regions, int64_t max_area) {
  std::vector<Rect> out = existing;
  for (const Rect& d : damage) {
    if (d.w <= 0 || d.h <= 0) continue;
    Rect m = AlignToMacroblocks(d, width, height);
    if (m.w <= 0 || m.h <= 0) continue;
    if (std::any_of(out.begin(), out.end(), [&](const Rect& r) { return Contains(r, m); }))
      continue;
    // Merge with everything it overlaps, until the merged rectangle overlaps
    // nothing else (a union can reach a region the parts did not).
    for (bool merged = true; merged;) {
      merged = false;
      for (auto it = out.begin(); it != out.end(); ++it) {
        if (Overlaps(*it, m)) {
          m = Union(*it, m);
          out.erase(it);
          merged = true;
          break;
        }
      }
    }
    out.push_back(m);
    if (static_cast<int>(out.size()) > max_regions) return std::nullopt;
  }
  int64_t area = 0;
  for (const Rect& r : out) area += static_cast<int64_t>(r.w) * r.h;
  if (area > max_area) return std::nullopt;
  return out;
}

Result<std::optional<EncodedFrame>> RegionStreams::Encode(const display::FrameView& view,
                                                          const std::string& codec_string,
                                                          int full_kbps) {
  const int w = view.width & ~1, h = view.height & ~1;
  const int64_t screen_area = static_cast<int64_t>(w) * h;
  std::vector<Rect> current;
  for (const Region& r : regions_) current.push_back(r.rect);
  const int64_t max_area = screen_area / std::max(1, options_.max_area_divisor);
  auto plan = PlanRegions(current, view.damage, w, h, options_.max_regions, max_area);
  // Regions that grew with moving content until they no longer fit are
  // dropped (the canvas keeps what they last drew): a plan of this frame's
  // damage alone, if that fits.
  if (!plan && !current.empty())
    plan = PlanRegions({}, view.damage, w, h, options_.max_regions, max_area);
  if (!plan) return std::optional<EncodedFrame>();
  // Keep the encoders of regions that stay; new or grown ones start fresh.
  std::vector<Region> next;
  for (const Rect& rect : *plan) {
    auto same = std::find_if(regions_.begin(), regions_.end(),
                             [&](const Region& r) { return r.encoder && r.rect == rect; });
    if (same != regions_.end()) {
      next.push_back(std::move(*same));
      continue;
    }
    H264Options o;
    o.width = rect.w;
    o.height = rect.h;
    o.fps = options_.fps;
    o.crf = options_.crf;
    o.preset = options_.preset;
    o.threads = 1;
    o.bitrate_kbps = std::max<int>(
        options_.min_bitrate_kbps,
        static_cast<int>(static_cast<int64_t>(full_kbps) * rect.w * rect.h / screen_area));
    auto enc = H264Encoder::Create(o);
    if (!enc.ok()) return enc.error();
    encoder_inits_++;
    Region r;
    r.id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;  // 0 is never a region
    r.rect = rect;
    r.encoder = std::move(*enc);
    next.push_back(std::move(r));
  }
  regions_ = std::move(next);

  EncodedFrame f;
  f.codec = Codec::kH264;
  f.keyframe = false;  // regions never start a decoder of the full stream
  f.capture_time_us = view.capture_time_us;
  f.sequence = view.sequence;
  f.width = w;
  f.height = h;
  f.rect = {0, 0, w, h};
  f.codec_string = codec_string;
  for (Region& r : regions_) {
    // The region's damage, in its own coordinates; a fresh encoder converts
    // its whole picture on the first call anyway.
    display::FrameView sub;
    sub.width = r.rect.w;
    sub.height = r.rect.h;
    sub.stride = view.stride;
    sub.pixels = view.pixels + static_cast<size_t>(r.rect.y) * view.stride +
                 static_cast<size_t>(r.rect.x) * 4;
    sub.sequence = view.sequence;
    sub.capture_time_us = view.capture_time_us;
    for (const Rect& d : view.damage) {
      int x0 = std::max(d.x, r.rect.x), y0 = std::max(d.y, r.rect.y);
      int x1 = std::min(d.x + d.w, r.rect.x + r.rect.w), y1 = std::min(d.y + d.h, r.rect.y + r.rect.h);
      if (x1 > x0 && y1 > y0) sub.damage.push_back({x0 - r.rect.x, y0 - r.rect.y, x1 - x0, y1 - y0});
    }
    const bool fresh = r.encoder->codec_string().empty();
    RegionPart part;
    part.id = r.id;
    part.rect = r.rect;
    part.offset = f.data.size();
    if (sub.damage.empty() && !fresh) {
      // Listed without a picture: the region lives on (the client drops the
      // decoder of any region a frame does not list).
      f.regions.push_back(part);
      continue;
    }
    auto e = r.encoder->Encode(sub, fresh);
    if (!e.ok()) return e.error();
    part.keyframe = e->keyframe;
    part.size = e->data.size();
    f.data.insert(f.data.end(), e->data.begin(), e->data.end());
    f.regions.push_back(part);
  }
  return std::optional<EncodedFrame>(std::move(f));
}

}  // namespace vmi::video
