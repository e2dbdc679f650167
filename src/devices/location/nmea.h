// NMEA 0183 sentences for a fix: what a GNSS receiver sends and what
// GeoClue's NMEA source reads (docs/devices.md, "Location").
//
//   $GPGGA,hhmmss.ss,ddmm.mmmmmm,N,dddmm.mmmmmm,E,1,12,HDOP,alt,M,0.0,M,,*CS
//   $GPRMC,hhmmss.ss,A,ddmm.mmmmmm,N,dddmm.mmmmmm,E,knots,course,ddmmyy,,,A*CS
//
// GGA carries the position, altitude and accuracy (as a horizontal
// dilution of precision), RMC the speed and heading. GeoClue turns an HDOP
// into an accuracy by steps (<= 1: 0 m, <= 2: 1 m, <= 5: 3 m, <= 10: 50 m,
// <= 20: 100 m, above: 300 m); HdopFor picks the step that reports the
// smallest accuracy not below the one asked for.
//
// Threads: plain functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "devices/location/location.h"

namespace vmi::devices::location {

double HdopFor(double accuracy_m);
// The accuracy GeoClue reports for `hdop`.
double GeoClueAccuracy(double hdop);
// "*XX": the XOR of the bytes between '$' and '*', in upper-case hex.
std::string NmeaChecksum(std::string_view body);
// GGA then RMC for `fix` at wall time `now_ms`, each ending in CR LF.
std::string NmeaSentences(const Fix& fix, int64_t now_ms);

}  // namespace vmi::devices::location
