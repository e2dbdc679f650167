// Validates Kubernetes objects (multi-document YAML files, as rendered by
// `kubectl kustomize`) against the official schemas (npm kubernetes-models,
// generated from the Kubernetes OpenAPI document), the CRD against the
// structural-schema rules of apiextensions.k8s.io/v1, custom resources
// against their CRD's schema (ajv), and every Pod template against the
// `restricted` Pod Security Standard when its namespace enforces it.
//
//   node validate.mjs [--phone-render BIN] FILE...
//
// --phone-render: a program that reads a Phone (JSON) on stdin and prints the
// Pod and claim the controller would create (src/cluster/phone_render.cc);
// every Phone found is also rendered and its Pod checked.
// Prints one line per object and a closing "N passed, M failed".
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";

const args = process.argv.slice(2);
let render = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--phone-render") render = args[++i];
  else files.push(args[i]);
}

let passed = 0, failed = 0;
const report = (what, problems) => {
  if (problems.length === 0) { passed++; console.log(`ok   ${what}`); return; }
  failed++;
  console.log(`FAIL ${what}`);
  for (const p of problems) console.log(`     ${p}`);
};

// apiVersion -> module directory of kubernetes-models.
function modelDir(apiVersion) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return group === "" ? version : `${group}/${version}`;
}

async function validateModel(obj) {
  // kustomize wraps long base64 values; the API server's decoder (Go's
  // encoding/base64) skips newlines, the schema's "byte" format does not.
  if (obj.kind === "Secret" && obj.data)
    obj = { ...obj, data: Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, String(v).replace(/\n/g, "")])) };
  let mod;
  try {
    mod = await import(`kubernetes-models/${modelDir(obj.apiVersion)}/${obj.kind}`);
  } catch {
    return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  }
  try {
    new mod[obj.kind](obj).validate();
    return [];
  } catch (e) {
    return [String(e.message || e)];
  }
}

// The structural-schema rules (apiextensions v1): every node specifies a
// type (or x-kubernetes-int-or-string / preserve-unknown-fields), no $ref,
// items is one schema, properties and additionalProperties not both, the
// root's metadata restricts nothing, defaults validate against their schema.
function structuralProblems(schema, path, problems, root = true) {
  if (typeof schema !== "object" || schema === null) { problems.push(`${path}: not a schema`); return; }
  if ("$ref" in schema) problems.push(`${path}: $ref is not allowed`);
  const typeless = schema["x-kubernetes-int-or-string"] || schema["x-kubernetes-preserve-unknown-fields"];
  if (!schema.type && !typeless) problems.push(`${path}: no type`);
  if (schema.properties && schema.additionalProperties !== undefined)
    problems.push(`${path}: properties and additionalProperties together`);
  if (schema.type === "array" && (typeof schema.items !== "object" || Array.isArray(schema.items)))
    problems.push(`${path}: an array needs one items schema`);
  if (schema.type === "object" && schema.properties)
    for (const [k, v] of Object.entries(schema.properties)) {
      if (root && k === "metadata") {
        if (Object.keys(v).some((x) => !["type", "description"].includes(x)))
          problems.push(`${path}.metadata: may only be {type: object}`);
        continue;
      }
      structuralProblems(v, `${path}.${k}`, problems, false);
    }
  if (schema.items) structuralProblems(schema.items, `${path}[]`, problems, false);
  if (typeof schema.additionalProperties === "object")
    structuralProblems(schema.additionalProperties, `${path}{}`, problems, false);
  if (schema.default !== undefined) {
    const ajv = newAjv();
    if (!ajv.validate(schema, schema.default)) problems.push(`${path}: default does not validate`);
  }
  for (const k of ["anyOf", "allOf", "oneOf", "not"])
    if (schema[k] && JSON.stringify(schema[k]).includes('"type"'))
      problems.push(`${path}.${k}: value validation must not specify types`);
}

function newAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("int64", true);
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  return ajv;
}

// The printer columns must point at fields of the schema.
function columnProblems(version) {
  const problems = [];
  for (const col of version.additionalPrinterColumns || []) {
    let node = version.schema.openAPIV3Schema;
    for (const part of col.jsonPath.replace(/^\./, "").split(".")) {
      if (part === "metadata" && node === version.schema.openAPIV3Schema) { node = null; break; }
      node = node && node.properties && node.properties[part];
      if (!node) { problems.push(`column ${col.name}: ${col.jsonPath} is not in the schema`); break; }
    }
  }
  return problems;
}

// Removes defaults the API server would apply, so ajv validates the object
// as given (it does not apply defaults unless asked).
const crds = new Map(); // "group/Kind" -> schema

const restrictedNamespaces = new Set();
const allowedVolumes = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
  "persistentVolumeClaim", "projected", "secret"]);

// The `restricted` Pod Security Standard (v1.30 rules), for a Pod spec.
function restrictedProblems(spec) {
  const p = [];
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) p.push("host namespaces");
  for (const v of spec.volumes || []) {
    const type = Object.keys(v).find((k) => k !== "name");
    if (!allowedVolumes.has(type)) p.push(`volume ${v.name}: ${type} is not allowed`);
  }
  const podCtx = spec.securityContext || {};
  const all = [...(spec.initContainers || []), ...(spec.containers || [])];
  for (const c of all) {
    const ctx = c.securityContext || {};
    const where = `container ${c.name}`;
    if (ctx.privileged) p.push(`${where}: privileged`);
    if (ctx.allowPrivilegeEscalation !== false) p.push(`${where}: allowPrivilegeEscalation must be false`);
    const drop = (ctx.capabilities && ctx.capabilities.drop) || [];
    if (!drop.includes("ALL")) p.push(`${where}: capabilities must drop ALL`);
    const add = (ctx.capabilities && ctx.capabilities.add) || [];
    for (const a of add) if (a !== "NET_BIND_SERVICE") p.push(`${where}: adds ${a}`);
    const nonRoot = ctx.runAsNonRoot ?? podCtx.runAsNonRoot;
    if (nonRoot !== true) p.push(`${where}: runAsNonRoot must be true`);
    if ((ctx.runAsUser ?? podCtx.runAsUser) === 0) p.push(`${where}: runAsUser 0`);
    const seccomp = (ctx.seccompProfile || podCtx.seccompProfile || {}).type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") p.push(`${where}: seccomp must be RuntimeDefault`);
    for (const port of c.ports || []) if (port.hostPort) p.push(`${where}: hostPort`);
  }
  return p;
}

function podSpecOf(obj) {
  if (obj.kind === "Pod") return obj.spec;
  if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(obj.kind))
    return obj.spec && obj.spec.template && obj.spec.template.spec;
  return null;
}

async function check(obj, where, extra = []) {
  const name = `${where}: ${obj.apiVersion} ${obj.kind} ${obj.metadata?.namespace ? obj.metadata.namespace + "/" : ""}${obj.metadata?.name}`;
  const problems = [...extra];
  const group = obj.apiVersion.split("/")[0];
  const custom = crds.get(`${group}/${obj.kind}`);
  if (custom) {
    const ajv = newAjv();
    if (!ajv.validate(custom, obj)) problems.push(...ajv.errors.map((e) => `${e.instancePath} ${e.message}`));
  } else {
    problems.push(...(await validateModel(obj)));
  }
  if (obj.kind === "CustomResourceDefinition") {
    for (const v of obj.spec.versions) {
      structuralProblems(v.schema.openAPIV3Schema, `${v.name}`, problems);
      problems.push(...columnProblems(v));
      if (!v.subresources || !v.subresources.status) problems.push(`${v.name}: no status subresource`);
    }
  }
  const spec = podSpecOf(obj);
  if (spec && restrictedNamespaces.has(obj.metadata?.namespace))
    problems.push(...restrictedProblems(spec).map((x) => `restricted: ${x}`));
  report(name, problems);
}

const docs = [];
for (const f of files) {
  for (const d of parseAllDocuments(readFileSync(f, "utf8"))) {
    if (d.errors.length) { report(`${f}: YAML`, d.errors.map(String)); continue; }
    const obj = d.toJSON();
    if (obj) docs.push([f, obj]);
  }
}
// CRDs and namespaces first: later objects are checked against them.
for (const [, obj] of docs) {
  if (obj.kind === "CustomResourceDefinition")
    for (const v of obj.spec.versions)
      crds.set(`${obj.spec.group}/${obj.spec.names.kind}`, v.schema.openAPIV3Schema);
  if (obj.kind === "Namespace" && obj.metadata.labels?.["pod-security.kubernetes.io/enforce"] === "restricted")
    restrictedNamespaces.add(obj.metadata.name);
}
for (const [f, obj] of docs) {
  await check(obj, f);
  if (obj.kind === "Phone" && render) {
    // What the controller makes of it: checked like any other Pod and claim.
    const withMeta = { ...obj, metadata: { uid: "00000000-0000-4000-8000-000000000000", ...obj.metadata } };
    let out;
    try {
      out = JSON.parse(execFileSync(render, { input: JSON.stringify(withMeta) }).toString());
    } catch (e) {
      report(`${f}: render ${obj.metadata.name}`, [String(e.message)]);
      continue;
    }
    const ns = obj.spec.guest === "android" ? null : obj.metadata.namespace;
    for (const o of [out.pod, out.claim]) {
      if (ns) o.metadata.namespace = ns;
      await check(o, `${f} (rendered)`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
