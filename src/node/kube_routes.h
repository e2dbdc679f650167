// The instance routes of `vmi serve --kubernetes`: the same paths, bodies
// and authorization as the node's (api_routes.h, access.h), answered from
// Phones (KubePhones) instead of local instances. Quotas apply per vmi user
// at creation (KubeLedger::Admit before the answer) and again in the
// controller for Phones made with kubectl.
//
// Routes: GET/POST /api/v1/instances, GET/DELETE /api/v1/instances/{id},
// POST /api/v1/instances/{id}/{start,stop,restart}. The routes a phone's
// device host answers (screenshot, rotate, audio, stream) are proxied to
// its Pod by kube_proxy.h, and so is exec; logs come from the Kubernetes
// API (pods/log). GET /api/v1/images lists what a phone can be made from.
// Apps are proxied to the Pod's gate (kube_proxy.h). The phone routes
// (phone_routes.h) go to the cluster's vmi-modem (kube_telephony.h); a
// control plane started without one (--modem) answers them 501.
//
// Threads: handlers run on the HTTP worker pool; everything they use is
// thread-safe.
#pragma once

#include "api/http/router.h"
#include "api/management.h"
#include "node/instance_record.h"
#include "node/kube_ledger.h"
#include "node/kube_phones.h"
#include "node/kube_telephony.h"

namespace vmi::node {

// The owner's user id of a phone (-1 when its owner is no vmi user: then
// only admins see it). Thread-safe.
int64_t PhoneOwnerId(api::Management& mgmt, const cluster::Phone& phone);

// The record the node's access rules (access.h) and event filter judge a
// Phone by: its name as id and name, its owner.
InstanceRecord PhoneRecord(const cluster::Phone& phone, int64_t owner_id);

// Looks a Phone up by the {id} parameter and checks `action` on it; a
// refusal reads like an unknown instance.
Result<cluster::Phone> LookupPhone(api::Management& mgmt, KubePhones& phones,
                                   const api::Request& req, const char* action);

// GET /api/v1/images: the names a phone can be created from (the built-in
// kinds and those the Phones use), each with the registry reference it
// becomes. Building, importing, exporting and removing images is a node's
// work: those routes answer 409 saying how images reach the registry.
void RegisterKubeImageRoutes(api::Router& router, api::Management& mgmt, KubePhones& phones);

// `telephony` may be null (no vmi-modem configured).
void RegisterKubeInstanceRoutes(api::Router& router, api::Management& mgmt, KubePhones& phones,
                                KubeLedger& ledger, KubeTelephony* telephony);

}  // namespace vmi::node
