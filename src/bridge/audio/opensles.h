// The parts of the OpenSL ES 1.0.1 C ABI (Khronos <SLES/OpenSLES.h> and
// Android's <SLES/OpenSLES_Android.h>) the bridge implements, spelled as
// those headers spell them: interfaces are pointers to pointers to tables
// of function pointers, the `self` argument is the address the caller got
// from GetInterface. Types and constants only; sl_engine.cc and
// sl_player.cc implement the objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace vmi::bridge::audio::sl {

using SLresult = uint32_t;
using SLuint32 = uint32_t;
using SLint32 = int32_t;
using SLint16 = int16_t;
using SLboolean = uint32_t;
using SLmillibel = int16_t;
using SLmillisecond = uint32_t;

constexpr SLresult kSuccess = 0;
constexpr SLresult kPreconditionsViolated = 1;
constexpr SLresult kParameterInvalid = 2;
constexpr SLresult kMemoryFailure = 3;
constexpr SLresult kResourceError = 4;
constexpr SLresult kBufferInsufficient = 7;
constexpr SLresult kContentUnsupported = 9;
constexpr SLresult kFeatureUnsupported = 0xC;

constexpr SLuint32 kObjectStateUnrealized = 1;
constexpr SLuint32 kObjectStateRealized = 2;
constexpr SLuint32 kPlayStateStopped = 1;
constexpr SLuint32 kPlayStatePaused = 2;
constexpr SLuint32 kPlayStatePlaying = 3;

constexpr SLuint32 kLocatorOutputMix = 0x00000004;
constexpr SLuint32 kLocatorBufferQueue = 0x00000006;
constexpr SLuint32 kLocatorAndroidSimpleBufferQueue = 0x800007BD;
constexpr SLuint32 kFormatPcm = 0x00000002;
constexpr SLuint32 kAndroidFormatPcmEx = 0x00000004;
constexpr SLuint32 kPcmRepresentationFloat = 3;
constexpr SLuint32 kByteOrderLittleEndian = 2;

struct SLInterfaceID_ {
  SLuint32 time_low;
  uint16_t time_mid, time_hi_and_version, clock_seq;
  uint8_t node[6];
};
using SLInterfaceID = const SLInterfaceID_*;

struct SLDataSource {
  void* locator;
  void* format;
};
using SLDataSink = SLDataSource;
struct SLDataLocatorBufferQueue {  // also SLDataLocator_AndroidSimpleBufferQueue
  SLuint32 locator_type, num_buffers;
};
struct SLDataFormatPcm {  // SLDataFormat_PCM; SLAndroidDataFormat_PCM_EX adds `representation`
  SLuint32 format_type, num_channels, samples_per_sec, bits_per_sample, container_size,
      channel_mask, endianness;
  SLuint32 representation;
};
struct SLBufferQueueState {  // also SLAndroidSimpleBufferQueueState
  SLuint32 count, index;
};

// Interface tables. An interface handle is `const Table* const*`.
struct ObjectItf;
using SLObjectItf = const ObjectItf* const*;
struct ObjectItf {
  SLresult (*Realize)(SLObjectItf self, SLboolean async);
  SLresult (*Resume)(SLObjectItf self, SLboolean async);
  SLresult (*GetState)(SLObjectItf self, SLuint32* state);
  SLresult (*GetInterface)(SLObjectItf self, SLInterfaceID iid, void* out);
  SLresult (*RegisterCallback)(SLObjectItf self, void* callback, void* context);
  void (*AbortAsyncOperation)(SLObjectItf self);
  void (*Destroy)(SLObjectItf self);
  SLresult (*SetPriority)(SLObjectItf self, SLint32 priority, SLboolean preemptable);
  SLresult (*GetPriority)(SLObjectItf self, SLint32* priority, SLboolean* preemptable);
  SLresult (*SetLossOfControlInterfaces)(SLObjectItf self, SLint16 count, SLInterfaceID* ids,
                                         SLboolean enabled);
};

struct EngineItf;
using SLEngineItf = const EngineItf* const*;
struct EngineItf {
  SLresult (*CreateLEDDevice)(SLEngineItf, SLObjectItf*, SLuint32, SLuint32, const SLInterfaceID*,
                              const SLboolean*);
  SLresult (*CreateVibraDevice)(SLEngineItf, SLObjectItf*, SLuint32, SLuint32, const SLInterfaceID*,
                                const SLboolean*);
  SLresult (*CreateAudioPlayer)(SLEngineItf, SLObjectItf*, SLDataSource*, SLDataSink*, SLuint32,
                                const SLInterfaceID*, const SLboolean*);
  SLresult (*CreateAudioRecorder)(SLEngineItf, SLObjectItf*, SLDataSource*, SLDataSink*, SLuint32,
                                  const SLInterfaceID*, const SLboolean*);
  SLresult (*CreateMidiPlayer)(SLEngineItf, SLObjectItf*, SLDataSource*, SLDataSource*, SLDataSink*,
                               SLDataSink*, SLDataSink*, SLuint32, const SLInterfaceID*,
                               const SLboolean*);
  SLresult (*CreateListener)(SLEngineItf, SLObjectItf*, SLuint32, const SLInterfaceID*,
                             const SLboolean*);
  SLresult (*Create3DGroup)(SLEngineItf, SLObjectItf*, SLuint32, const SLInterfaceID*,
                            const SLboolean*);
  SLresult (*CreateOutputMix)(SLEngineItf, SLObjectItf*, SLuint32, const SLInterfaceID*,
                              const SLboolean*);
  SLresult (*CreateMetadataExtractor)(SLEngineItf, SLObjectItf*, SLDataSource*, SLuint32,
                                      const SLInterfaceID*, const SLboolean*);
  SLresult (*CreateExtensionObject)(SLEngineItf, SLObjectItf*, void*, SLuint32, SLuint32,
                                    const SLInterfaceID*, const SLboolean*);
  SLresult (*QueryNumSupportedInterfaces)(SLEngineItf, SLuint32 object_id, SLuint32* count);
  SLresult (*QuerySupportedInterfaces)(SLEngineItf, SLuint32 object_id, SLuint32 index,
                                       SLInterfaceID* id);
  SLresult (*QueryNumSupportedExtensions)(SLEngineItf, SLuint32* count);
  SLresult (*QuerySupportedExtension)(SLEngineItf, SLuint32 index, char* name, SLint16* length);
  SLresult (*IsExtensionSupported)(SLEngineItf, const char* name, SLboolean* supported);
};

struct PlayItf;
using SLPlayItf = const PlayItf* const*;
struct PlayItf {
  SLresult (*SetPlayState)(SLPlayItf, SLuint32 state);
  SLresult (*GetPlayState)(SLPlayItf, SLuint32* state);
  SLresult (*GetDuration)(SLPlayItf, SLmillisecond* ms);
  SLresult (*GetPosition)(SLPlayItf, SLmillisecond* ms);
  SLresult (*RegisterCallback)(SLPlayItf, void* callback, void* context);
  SLresult (*SetCallbackEventsMask)(SLPlayItf, SLuint32 mask);
  SLresult (*GetCallbackEventsMask)(SLPlayItf, SLuint32* mask);
  SLresult (*SetMarkerPosition)(SLPlayItf, SLmillisecond ms);
  SLresult (*ClearMarkerPosition)(SLPlayItf);
  SLresult (*GetMarkerPosition)(SLPlayItf, SLmillisecond* ms);
  SLresult (*SetPositionUpdatePeriod)(SLPlayItf, SLmillisecond ms);
  SLresult (*GetPositionUpdatePeriod)(SLPlayItf, SLmillisecond* ms);
};

// SLBufferQueueItf and SLAndroidSimpleBufferQueueItf share this table.
struct BufferQueueItf;
using SLBufferQueueItf = const BufferQueueItf* const*;
using BufferQueueCallback = void (*)(SLBufferQueueItf caller, void* context);
struct BufferQueueItf {
  SLresult (*Enqueue)(SLBufferQueueItf, const void* buffer, SLuint32 size);
  SLresult (*Clear)(SLBufferQueueItf);
  SLresult (*GetState)(SLBufferQueueItf, SLBufferQueueState* state);
  SLresult (*RegisterCallback)(SLBufferQueueItf, BufferQueueCallback callback, void* context);
};

struct VolumeItf;
using SLVolumeItf = const VolumeItf* const*;
struct VolumeItf {
  SLresult (*SetVolumeLevel)(SLVolumeItf, SLmillibel level);
  SLresult (*GetVolumeLevel)(SLVolumeItf, SLmillibel* level);
  SLresult (*GetMaxVolumeLevel)(SLVolumeItf, SLmillibel* level);
  SLresult (*SetMute)(SLVolumeItf, SLboolean mute);
  SLresult (*GetMute)(SLVolumeItf, SLboolean* mute);
  SLresult (*EnableStereoPosition)(SLVolumeItf, SLboolean enable);
  SLresult (*IsEnabledStereoPosition)(SLVolumeItf, SLboolean* enabled);
  SLresult (*SetStereoPosition)(SLVolumeItf, SLint16 position);
  SLresult (*GetStereoPosition)(SLVolumeItf, SLint16* position);
};

// The interface IDs the bridge implements (exported as SL_IID_* data).
enum class Iid {
  kNull,
  kObject,
  kEngine,
  kOutputMix,
  kPlay,
  kBufferQueue,
  kAndroidSimpleBufferQueue,
  kVolume,
  kOther
};
// The SL_IID_* variable names with the ID each stands for: `ids` gets one
// SLInterfaceID per name (all distinct), kOther for the ones not implemented.
struct IidEntry {
  const char* symbol;
  Iid kind;
  const SLInterfaceID* variable;  // the exported SL_IID_* variable
};
const IidEntry* IidTable(size_t* count);
Iid KindOf(SLInterfaceID id);

// The part every object shares; `itf` is what an SLObjectItf points at, so
// it comes first and each object type embeds an SlObject as its first
// member. `interface_of` gives the address of one of the object's
// interface pointers, or nullptr; `destroy` frees the whole object.
struct SlObject {
  const ObjectItf* itf;
  SLuint32 state;
  void* (*interface_of)(SlObject* self, Iid kind);
  void (*destroy)(SlObject* self);
  // Acquires what realizing needs (a device), or nullptr for nothing.
  SLresult (*realize)(SlObject* self) = nullptr;
};
const ObjectItf* ObjectTable();

// slCreateEngine (sl_engine.cc).
SLresult CreateEngine(SLObjectItf* engine, SLuint32 num_options, const void* options,
                      SLuint32 num_interfaces, const SLInterfaceID* ids, const SLboolean* required);
// The engine's CreateAudioPlayer for buffer-queue sources (sl_player.cc).
SLresult CreateBufferQueuePlayer(SLObjectItf* player, SLDataSource* source, SLDataSink* sink,
                                 SLuint32 num_interfaces, const SLInterfaceID* ids,
                                 const SLboolean* required);
// True when every required interface of `ids` is one of `offered`.
bool RequiredOffered(SLuint32 num_interfaces, const SLInterfaceID* ids, const SLboolean* required,
                     std::initializer_list<Iid> offered);

}  // namespace vmi::bridge::audio::sl
