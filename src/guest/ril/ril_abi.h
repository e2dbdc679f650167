// The part of Android's radio interface layer ABI (the vendor RIL library
// interface that rild loads: RIL_Init and RIL_RadioFunctions) that
// libvmi-ril implements, declared from the public ABI: the names, numbers
// and layouts rild and the framework use. Only what vmi needs is here.
#pragma once

#include <stddef.h>
#include <sys/time.h>

extern "C" {

#define RIL_VERSION 12

typedef void* RIL_Token;

typedef enum {
  RIL_E_SUCCESS = 0,
  RIL_E_RADIO_NOT_AVAILABLE = 1,
  RIL_E_GENERIC_FAILURE = 2,
  RIL_E_PASSWORD_INCORRECT = 3,
  RIL_E_SIM_PIN2 = 4,
  RIL_E_SIM_PUK2 = 5,
  RIL_E_REQUEST_NOT_SUPPORTED = 6,
  RIL_E_CANCELLED = 7,
  RIL_E_OP_NOT_ALLOWED_DURING_VOICE_CALL = 8,
  RIL_E_OP_NOT_ALLOWED_BEFORE_REG_TO_NW = 9,
  RIL_E_SMS_SEND_FAIL_RETRY = 10,
  RIL_E_INVALID_ARGUMENTS = 44,
} RIL_Errno;

typedef enum {
  RADIO_STATE_OFF = 0,
  RADIO_STATE_UNAVAILABLE = 1,
  RADIO_STATE_ON = 10,
} RIL_RadioState;

typedef enum {
  RIL_CALL_ACTIVE = 0,
  RIL_CALL_HOLDING = 1,
  RIL_CALL_DIALING = 2,
  RIL_CALL_ALERTING = 3,
  RIL_CALL_INCOMING = 4,
  RIL_CALL_WAITING = 5,
} RIL_CallState;

typedef struct {
  int uusType;
  int uusDcs;
  int uusLength;
  char* uusData;
} RIL_UUS_Info;

typedef struct {
  RIL_CallState state;
  int index;
  int toa;
  char isMpty;
  char isMT;
  char als;
  char isVoice;
  char isVoicePrivacy;
  char* number;
  int numberPresentation;
  char* name;
  int namePresentation;
  RIL_UUS_Info* uusInfo;
} RIL_Call;

typedef struct {
  char* address;
  int clir;
  RIL_UUS_Info* uusInfo;
} RIL_Dial;

typedef struct {
  int messageRef;
  char* ackPDU;
  int errorCode;
} RIL_SMS_Response;

typedef enum { RIL_CARDSTATE_ABSENT = 0, RIL_CARDSTATE_PRESENT = 1, RIL_CARDSTATE_ERROR = 2 } RIL_CardState;
typedef enum { RIL_PINSTATE_UNKNOWN = 0 } RIL_PinState;
typedef enum { RIL_APPTYPE_UNKNOWN = 0, RIL_APPTYPE_SIM = 1, RIL_APPTYPE_USIM = 2 } RIL_AppType;
typedef enum { RIL_APPSTATE_UNKNOWN = 0, RIL_APPSTATE_READY = 5 } RIL_AppState;
typedef enum { RIL_PERSOSUBSTATE_UNKNOWN = 0, RIL_PERSOSUBSTATE_READY = 2 } RIL_PersoSubstate;

typedef struct {
  RIL_AppType app_type;
  RIL_AppState app_state;
  RIL_PersoSubstate perso_substate;
  char* aid_ptr;
  char* app_label_ptr;
  int pin1_replaced;
  RIL_PinState pin1;
  RIL_PinState pin2;
} RIL_AppStatus;

#define RIL_CARD_MAX_APPS 8

typedef struct {
  RIL_CardState card_state;
  RIL_PinState universal_pin_state;
  int gsm_umts_subscription_app_index;
  int cdma_subscription_app_index;
  int ims_subscription_app_index;
  int num_applications;
  RIL_AppStatus applications[RIL_CARD_MAX_APPS];
} RIL_CardStatus_v6;

// Requests (RIL_REQUEST_*).
#define RIL_REQUEST_GET_SIM_STATUS 1
#define RIL_REQUEST_GET_CURRENT_CALLS 9
#define RIL_REQUEST_DIAL 10
#define RIL_REQUEST_GET_IMSI 11
#define RIL_REQUEST_HANGUP 12
#define RIL_REQUEST_HANGUP_WAITING_OR_BACKGROUND 13
#define RIL_REQUEST_HANGUP_FOREGROUND_RESUME_BACKGROUND 14
#define RIL_REQUEST_LAST_CALL_FAIL_CAUSE 18
#define RIL_REQUEST_SIGNAL_STRENGTH 19
#define RIL_REQUEST_VOICE_REGISTRATION_STATE 20
#define RIL_REQUEST_OPERATOR 22
#define RIL_REQUEST_RADIO_POWER 23
#define RIL_REQUEST_SEND_SMS 25
#define RIL_REQUEST_SMS_ACKNOWLEDGE 37
#define RIL_REQUEST_GET_IMEI 38
#define RIL_REQUEST_ANSWER 40
#define RIL_REQUEST_BASEBAND_VERSION 51

// Unsolicited responses (RIL_UNSOL_*).
#define RIL_UNSOL_RESPONSE_RADIO_STATE_CHANGED 1000
#define RIL_UNSOL_RESPONSE_CALL_STATE_CHANGED 1001
#define RIL_UNSOL_RESPONSE_VOICE_NETWORK_STATE_CHANGED 1002
#define RIL_UNSOL_RESPONSE_NEW_SMS 1003
#define RIL_UNSOL_CALL_RING 1018

typedef void (*RIL_RequestFunc)(int request, void* data, size_t datalen, RIL_Token t);
typedef RIL_RadioState (*RIL_RadioStateRequest)();
typedef int (*RIL_Supports)(int requestCode);
typedef void (*RIL_Cancel)(RIL_Token t);
typedef void (*RIL_TimedCallback)(void* param);
typedef const char* (*RIL_GetVersion)(void);

typedef struct {
  int version;
  RIL_RequestFunc onRequest;
  RIL_RadioStateRequest onStateRequest;
  RIL_Supports supports;
  RIL_Cancel onCancel;
  RIL_GetVersion getVersion;
} RIL_RadioFunctions;

struct RIL_Env {
  void (*OnRequestComplete)(RIL_Token t, RIL_Errno e, void* response, size_t responselen);
  void (*OnUnsolicitedResponse)(int unsolResponse, const void* data, size_t datalen);
  void* (*RequestTimedCallback)(RIL_TimedCallback callback, void* param,
                                const struct timeval* relativeTime);
  void (*OnRequestAck)(RIL_Token t);
};

// What rild looks up in the library.
const RIL_RadioFunctions* RIL_Init(const struct RIL_Env* env, int argc, char** argv);

}  // extern "C"
