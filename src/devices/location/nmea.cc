#include "devices/location/nmea.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace vmi::devices::location {

namespace {

constexpr double kKnot = 0.514444;  // m/s

// ddmm.mmmmmm (latitude) or dddmm.mmmmmm (longitude), and the hemisphere.
std::string Coordinate(double deg, bool latitude) {
  char hemi = latitude ? (deg < 0 ? 'S' : 'N') : (deg < 0 ? 'W' : 'E');
  double a = std::fabs(deg);
  int whole = static_cast<int>(a);
  double minutes = (a - whole) * 60;
  // Rounding may carry the minutes to 60.
  if (minutes >= 59.9999995) {
    whole += 1;
    minutes = 0;
  }
  char buf[32];
  snprintf(buf, sizeof buf, latitude ? "%02d%09.6f,%c" : "%03d%09.6f,%c", whole, minutes, hemi);
  return buf;
}

std::string Sentence(const std::string& body) { return "$" + body + NmeaChecksum(body) + "\r\n"; }

}  // namespace

double HdopFor(double accuracy_m) {
  if (accuracy_m <= 0) return 1.0;
  if (accuracy_m <= 1) return 2.0;
  if (accuracy_m <= 3) return 5.0;
  if (accuracy_m <= 50) return 10.0;
  if (accuracy_m <= 100) return 20.0;
  return 30.0;
}

double GeoClueAccuracy(double hdop) {
  if (hdop <= 1) return 0;
  if (hdop <= 2) return 1;
  if (hdop <= 5) return 3;
  if (hdop <= 10) return 50;
  if (hdop <= 20) return 100;
  return 300;
}

std::string NmeaChecksum(std::string_view body) {
  unsigned char x = 0;
  for (char c : body) x ^= static_cast<unsigned char>(c);
  char buf[4];
  snprintf(buf, sizeof buf, "*%02X", x);
  return buf;
}

std::string NmeaSentences(const Fix& fix, int64_t now_ms) {
  time_t secs = static_cast<time_t>(now_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char when[48], date[48];
  snprintf(when, sizeof when, "%02d%02d%02d.%02d", t.tm_hour, t.tm_min, t.tm_sec,
           static_cast<int>(now_ms % 1000 / 10));
  snprintf(date, sizeof date, "%02d%02d%02d", t.tm_mday, t.tm_mon + 1, t.tm_year % 100);
  std::string lat = Coordinate(fix.latitude, true), lon = Coordinate(fix.longitude, false);
  char num[64];
  std::string gga = std::string("GPGGA,") + when + "," + lat + "," + lon + ",1,12,";
  snprintf(num, sizeof num, "%.1f,", HdopFor(fix.accuracy));
  gga += num;
  if (fix.altitude) {
    snprintf(num, sizeof num, "%.2f,M,", *fix.altitude);
    gga += num;
  } else {
    gga += ",,";
  }
  gga += "0.0,M,,";
  std::string rmc = std::string("GPRMC,") + when + ",A," + lat + "," + lon + ",";
  snprintf(num, sizeof num, "%.3f,%.2f,", fix.speed / kKnot, fix.heading);
  rmc += num;
  rmc += std::string(date) + ",,,A";
  return Sentence(gga) + Sentence(rmc);
}

}  // namespace vmi::devices::location
