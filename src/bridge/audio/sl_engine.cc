// OpenSL ES objects shared by every kind (the SLObjectItf table), the
// interface IDs, the engine and the output mix. See sl_player.cc for the
// audio player. The engine is thread-safe as Android's is; objects are
// created and destroyed by one thread at a time.
#include <cstring>

#include "bridge/audio/opensles.h"

namespace vmi::bridge::audio::sl {
namespace {

// Distinct IDs (version-4-style UUIDs made for the bridge): apps pass the
// exported SL_IID_* variables, never literal UUIDs.
#define VMI_SL_IIDS(X)                                                                             \
  X(NULL, kNull)                                                                                   \
  X(OBJECT, kObject) X(ENGINE, kEngine) X(OUTPUTMIX, kOutputMix) X(PLAY, kPlay) X(                 \
      BUFFERQUEUE, kBufferQueue) X(ANDROIDSIMPLEBUFFERQUEUE, kAndroidSimpleBufferQueue)            \
      X(VOLUME, kVolume) X(AUDIOIODEVICECAPABILITIES, kOther) X(LED, kOther) X(VIBRA, kOther) X(   \
          METADATAEXTRACTION, kOther) X(METADATATRAVERSAL, kOther) X(DYNAMICSOURCE, kOther)        \
          X(PREFETCHSTATUS, kOther) X(PLAYBACKRATE, kOther) X(SEEK, kOther) X(RECORD, kOther) X(   \
              EQUALIZER, kOther) X(DEVICEVOLUME, kOther) X(PRESETREVERB, kOther)                   \
              X(ENVIRONMENTALREVERB, kOther) X(EFFECTSEND, kOther) X(3DGROUPING, kOther) X(        \
                  3DCOMMIT, kOther) X(3DLOCATION, kOther) X(3DDOPPLER, kOther) X(3DSOURCE, kOther) \
                  X(3DMACROSCOPIC, kOther) X(MUTESOLO, kOther) X(                                  \
                      DYNAMICINTERFACEMANAGEMENT,                                                  \
                      kOther) X(MIDIMESSAGE, kOther) X(MIDIMUTESOLO, kOther)                       \
                      X(MIDITEMPO, kOther) X(MIDITIME, kOther) X(AUDIODECODERCAPABILITIES, kOther) \
                          X(AUDIOENCODERCAPABILITIES, kOther)                                      \
                              X(AUDIOENCODER, kOther)                                              \
                                  X(BASSBOOST, kOther) X(PITCH, kOther) X(RATEPITCH, kOther)       \
                                      X(VIRTUALIZER, kOther) X(VISUALIZATION, kOther)              \
                                          X(ENGINECAPABILITIES, kOther) X(THREADSYNC, kOther) X(   \
                                              ANDROIDEFFECT, kOther) X(ANDROIDEFFECTSEND, kOther)  \
                                              X(ANDROIDEFFECTCAPABILITIES, kOther)                 \
                                                  X(ANDROIDCONFIGURATION, kOther)                  \
                                                      X(ANDROIDBUFFERQUEUESOURCE, kOther) X(       \
                                                          ANDROIDACOUSTICECHOCANCELLATION, kOther) \
                                                          X(ANDROIDAUTOMATICGAINCONTROL, kOther)   \
                                                              X(ANDROIDNOISESUPPRESSION, kOther)

enum IidIndex {
#define VMI_SL_INDEX(name, kind) kIndex_##name,
  VMI_SL_IIDS(VMI_SL_INDEX)
#undef VMI_SL_INDEX
      kIidCount
};

const SLInterfaceID_ kIidValues[kIidCount] = {
#define VMI_SL_VALUE(name, kind) \
  {0x766d6900u + kIndex_##name,  \
   0x736c,                       \
   0x4000,                       \
   0x8000,                       \
   {'v', 'm', 'i', 's', 'l', uint8_t(kIndex_##name)}},
    VMI_SL_IIDS(VMI_SL_VALUE)
#undef VMI_SL_VALUE
};

#define VMI_SL_VARIABLE(name, kind) const SLInterfaceID kIid_##name = &kIidValues[kIndex_##name];
VMI_SL_IIDS(VMI_SL_VARIABLE)
#undef VMI_SL_VARIABLE

const IidEntry kIidTable[] = {
#define VMI_SL_ENTRY(name, kind) {"SL_IID_" #name, Iid::kind, &kIid_##name},
    VMI_SL_IIDS(VMI_SL_ENTRY)
#undef VMI_SL_ENTRY
};

SlObject* Obj(SLObjectItf self) {
  return reinterpret_cast<SlObject*>(const_cast<const ObjectItf**>(self));
}

SLresult Realize(SLObjectItf self, SLboolean) {
  // Realizing is synchronous; an asynchronous request completes at once.
  if (self == nullptr) return kParameterInvalid;
  SlObject* o = Obj(self);
  if (o->state != kObjectStateUnrealized) return kPreconditionsViolated;
  if (o->realize != nullptr) {
    const SLresult r = o->realize(o);
    if (r != kSuccess) return r;
  }
  o->state = kObjectStateRealized;
  return kSuccess;
}
SLresult Resume(SLObjectItf self, SLboolean) {
  return self == nullptr ? kParameterInvalid : kPreconditionsViolated;
}
SLresult GetState(SLObjectItf self, SLuint32* state) {
  if (self == nullptr || state == nullptr) return kParameterInvalid;
  *state = Obj(self)->state;
  return kSuccess;
}
SLresult GetInterface(SLObjectItf self, SLInterfaceID iid, void* out) {
  if (self == nullptr || iid == nullptr || out == nullptr) return kParameterInvalid;
  SlObject* o = Obj(self);
  if (o->state != kObjectStateRealized) return kPreconditionsViolated;
  void* itf = KindOf(iid) == Iid::kObject ? o : o->interface_of(o, KindOf(iid));
  if (itf == nullptr) return kFeatureUnsupported;
  *static_cast<void**>(out) = itf;
  return kSuccess;
}
SLresult RegisterCallback(SLObjectItf self, void*, void*) {
  return self == nullptr ? kParameterInvalid : kSuccess;
}
void AbortAsyncOperation(SLObjectItf) {}
void Destroy(SLObjectItf self) {
  if (self != nullptr) Obj(self)->destroy(Obj(self));
}
SLresult SetPriority(SLObjectItf self, SLint32, SLboolean) {
  return self == nullptr ? kParameterInvalid : kSuccess;
}
SLresult GetPriority(SLObjectItf self, SLint32* priority, SLboolean* preemptable) {
  if (self == nullptr || priority == nullptr || preemptable == nullptr) return kParameterInvalid;
  *priority = 0;
  *preemptable = 0;
  return kSuccess;
}
SLresult SetLossOfControl(SLObjectItf, SLint16, SLInterfaceID*, SLboolean) {
  return kFeatureUnsupported;
}

const ObjectItf kObjectTable = {
    Realize, Resume,      GetState,    GetInterface,    RegisterCallback, AbortAsyncOperation,
    Destroy, SetPriority, GetPriority, SetLossOfControl};

// --- output mix: the device the players write to; no interfaces of its own.

struct OutputMix {
  SlObject base;
};
void* OutputMixInterface(SlObject*, Iid) { return nullptr; }
void OutputMixDestroy(SlObject* o) { delete reinterpret_cast<OutputMix*>(o); }

// --- engine -----------------------------------------------------------------

struct Engine {
  SlObject base;
  const EngineItf* engine_itf;
};
Engine* EngineOf(SLEngineItf self) {
  return reinterpret_cast<Engine*>(reinterpret_cast<char*>(const_cast<const EngineItf**>(self)) -
                                   offsetof(Engine, engine_itf));
}
void* EngineInterface(SlObject* o, Iid kind) {
  return kind == Iid::kEngine ? &reinterpret_cast<Engine*>(o)->engine_itf : nullptr;
}
void EngineDestroy(SlObject* o) { delete reinterpret_cast<Engine*>(o); }

SLresult Unsupported6(SLEngineItf, SLObjectItf*, SLuint32, SLuint32, const SLInterfaceID*,
                      const SLboolean*) {
  return kFeatureUnsupported;
}
SLresult CreateAudioPlayer(SLEngineItf self, SLObjectItf* player, SLDataSource* source,
                           SLDataSink* sink, SLuint32 n, const SLInterfaceID* ids,
                           const SLboolean* required) {
  if (self == nullptr || EngineOf(self)->base.state != kObjectStateRealized)
    return kPreconditionsViolated;
  return CreateBufferQueuePlayer(player, source, sink, n, ids, required);
}
SLresult CreateAudioRecorder(SLEngineItf, SLObjectItf*, SLDataSource*, SLDataSink*, SLuint32,
                             const SLInterfaceID*, const SLboolean*) {
  return kFeatureUnsupported;
}
SLresult CreateMidiPlayer(SLEngineItf, SLObjectItf*, SLDataSource*, SLDataSource*, SLDataSink*,
                          SLDataSink*, SLDataSink*, SLuint32, const SLInterfaceID*,
                          const SLboolean*) {
  return kFeatureUnsupported;
}
SLresult Unsupported4(SLEngineItf, SLObjectItf*, SLuint32, const SLInterfaceID*, const SLboolean*) {
  return kFeatureUnsupported;
}
SLresult CreateOutputMix(SLEngineItf self, SLObjectItf* mix, SLuint32 n, const SLInterfaceID* ids,
                         const SLboolean* required) {
  if (self == nullptr || mix == nullptr) return kParameterInvalid;
  if (!RequiredOffered(n, ids, required, {Iid::kObject})) return kFeatureUnsupported;
  auto* m =
      new OutputMix{{&kObjectTable, kObjectStateUnrealized, OutputMixInterface, OutputMixDestroy}};
  *mix = &m->base.itf;
  return kSuccess;
}
SLresult CreateMetadataExtractor(SLEngineItf, SLObjectItf*, SLDataSource*, SLuint32,
                                 const SLInterfaceID*, const SLboolean*) {
  return kFeatureUnsupported;
}
SLresult CreateExtensionObject(SLEngineItf, SLObjectItf*, void*, SLuint32, SLuint32,
                               const SLInterfaceID*, const SLboolean*) {
  return kFeatureUnsupported;
}
SLresult QueryNumInterfaces(SLEngineItf, SLuint32, SLuint32* count) {
  if (count == nullptr) return kParameterInvalid;
  *count = 0;
  return kFeatureUnsupported;
}
SLresult QueryInterfaces(SLEngineItf, SLuint32, SLuint32, SLInterfaceID*) {
  return kFeatureUnsupported;
}
SLresult QueryNumExtensions(SLEngineItf, SLuint32* count) {
  if (count == nullptr) return kParameterInvalid;
  *count = 0;
  return kSuccess;
}
SLresult QueryExtension(SLEngineItf, SLuint32, char*, SLint16*) { return kParameterInvalid; }
SLresult IsExtensionSupported(SLEngineItf, const char* name, SLboolean* supported) {
  if (name == nullptr || supported == nullptr) return kParameterInvalid;
  *supported = 0;
  return kSuccess;
}

const EngineItf kEngineTable = {Unsupported6,          Unsupported6,       CreateAudioPlayer,
                                CreateAudioRecorder,   CreateMidiPlayer,   Unsupported4,
                                Unsupported4,          CreateOutputMix,    CreateMetadataExtractor,
                                CreateExtensionObject, QueryNumInterfaces, QueryInterfaces,
                                QueryNumExtensions,    QueryExtension,     IsExtensionSupported};

}  // namespace

const ObjectItf* ObjectTable() { return &kObjectTable; }

const IidEntry* IidTable(size_t* count) {
  *count = kIidCount;
  return kIidTable;
}

Iid KindOf(SLInterfaceID id) {
  if (id == nullptr) return Iid::kOther;
  for (const IidEntry& e : kIidTable) {
    if (memcmp(*e.variable, id, sizeof(SLInterfaceID_)) == 0) return e.kind;
  }
  return Iid::kOther;
}

bool RequiredOffered(SLuint32 n, const SLInterfaceID* ids, const SLboolean* required,
                     std::initializer_list<Iid> offered) {
  for (SLuint32 i = 0; i < n; ++i) {
    if (ids == nullptr || required == nullptr) return false;
    if (!required[i]) continue;
    bool found = false;
    for (Iid k : offered) found = found || KindOf(ids[i]) == k;
    if (!found) return false;
  }
  return true;
}

SLresult CreateEngine(SLObjectItf* engine, SLuint32, const void*, SLuint32 n,
                      const SLInterfaceID* ids, const SLboolean* required) {
  if (engine == nullptr) return kParameterInvalid;
  if (!RequiredOffered(n, ids, required, {Iid::kObject, Iid::kEngine})) return kFeatureUnsupported;
  auto* e = new Engine{{&kObjectTable, kObjectStateUnrealized, EngineInterface, EngineDestroy},
                       &kEngineTable};
  *engine = &e->base.itf;
  return kSuccess;
}

}  // namespace vmi::bridge::audio::sl
