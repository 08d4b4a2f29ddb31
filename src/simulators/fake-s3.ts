// Fake Amazon S3 for tests: the REST protocol on 127.0.0.1 with path-style addressing
// (PUT/GET/DELETE /<bucket>/<key>, GET /<bucket>?versions, GET /<bucket>?list-type=2), XML errors,
// versioned buckets and Object Lock, so the real @aws-sdk/client-s3 works against it through
// AWS_ENDPOINT_URL_S3. SigV4 signatures are not verified, but an Authorization header is required;
// its access key is recorded with each call.
//
// ListObjectsV2 as S3 has it (Amazon S3 API Reference, ListObjectsV2): the current version of each
// key under `prefix`, in key order, at most max-keys (and never more than 1,000) a page; a
// truncated page has IsTruncated true and a NextContinuationToken, an opaque token that continues
// the listing; a token S3 did not hand out is 400 InvalidArgument.
//
// Object Lock as S3 has it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html):
//   - it works only in a versioned bucket, and protects one object version: a PUT to a locked key
//     creates a new version, and the locked version stays; a DELETE without versionId adds a
//     delete marker on top and removes nothing;
//   - a locked version cannot be deleted (DELETE ?versionId) before its retain-until date:
//     403 AccessDenied. In GOVERNANCE mode `x-amz-bypass-governance-retention: true` may (with
//     s3:BypassGovernanceRetention, which this fake grants everyone) delete it; in COMPLIANCE mode
//     nobody can;
//   - a PUT with lock headers needs both headers, a future date, a bucket with Object Lock enabled,
//     and Content-MD5 or an x-amz-checksum-* header (InvalidRequest otherwise).
// Conditional writes: `If-None-Match: *` fails with 412 PreconditionFailed when the key's current
// version exists (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type LockMode = "GOVERNANCE" | "COMPLIANCE";

export interface FakeS3Version {
  readonly key: string;
  readonly versionId: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
  readonly deleteMarker: boolean;
  readonly lockMode?: LockMode;
  readonly retainUntil?: Date;
}

export interface FakeS3Call {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly headers: IncomingMessage["headers"];
  /** The access key of the request's SigV4 Authorization header. */
  readonly accessKeyId: string | undefined;
  /** The prefix a listing asked for. */
  readonly prefix?: string;
  /** The error code it was answered with, if any. */
  error?: string;
}

class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A failure a test injects: requests on keys (or listings of prefixes) that start with `prefix`. */
export interface FakeS3Failure {
  readonly bucket?: string;
  /** Matched against the key of object requests and the prefix of listings; "" or absent: every request. */
  readonly prefix?: string;
  readonly code: "AccessDenied" | "SlowDown" | "NoSuchBucket" | "InternalError";
  /** How many matching requests fail; absent: every one until cleared. */
  times?: number;
}

const FAILURES: Readonly<Record<FakeS3Failure["code"], { readonly status: number; readonly message: string }>> = {
  AccessDenied: { status: 403, message: "Access Denied" },
  SlowDown: { status: 503, message: "Please reduce your request rate." },
  NoSuchBucket: { status: 404, message: "The specified bucket does not exist" },
  InternalError: { status: 500, message: "We encountered an internal error. Please try again." },
};

interface Bucket {
  readonly objectLock: boolean;
  /** Every version of every key, oldest first. */
  readonly versions: FakeS3Version[];
}

export class FakeS3 {
  readonly calls: FakeS3Call[] = [];
  private readonly buckets = new Map<string, Bucket>();
  private readonly server: Server;
  private port = 0;
  private failures = 0;
  private readonly injected: FakeS3Failure[] = [];
  /** Continuation tokens handed out, each to the key the next page starts after. */
  private readonly continuations = new Map<string, { readonly bucket: string; readonly prefix: string; readonly after: string }>();

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  /** A bucket, versioned, with Object Lock enabled unless told otherwise (set at creation, as in S3). */
  createBucket(name: string, options: { objectLock?: boolean } = {}): void {
    this.buckets.set(name, { objectLock: options.objectLock ?? true, versions: [] });
  }

  /** Every version and delete marker in the bucket, oldest first. */
  versions(bucket: string, prefix = ""): FakeS3Version[] {
    return (this.buckets.get(bucket)?.versions ?? []).filter((version) => version.key.startsWith(prefix));
  }

  /** The next `times` requests fail with 503 SlowDown, as S3 does under load. */
  failNext(times = 1): void {
    this.failures += times;
  }

  /** Requests matching `failure` are answered with its error (`times` of them, or all until clearFailures). */
  failOn(failure: FakeS3Failure): void {
    this.injected.push({ ...failure });
  }

  clearFailures(): void {
    this.injected.length = 0;
  }

  /** Stores an object as a PUT would (a new current version), for tests that set the bucket up. */
  putObject(bucket: string, key: string, body: Buffer, lastModified = new Date()): void {
    const target = this.buckets.get(bucket);
    if (!target) throw new Error(`no bucket ${bucket}`);
    target.versions.push({
      key,
      versionId: randomBytes(16).toString("base64url"),
      body,
      etag: `"${createHash("md5").update(body).digest("hex")}"`,
      lastModified,
      deleteMarker: false,
    });
  }

  private injectedFailure(bucket: string, target: string): S3Error | undefined {
    const index = this.injected.findIndex(
      (failure) => (failure.bucket === undefined || failure.bucket === bucket) && target.startsWith(failure.prefix ?? ""),
    );
    const failure = this.injected[index];
    if (!failure) return undefined;
    if (failure.times !== undefined) {
      failure.times -= 1;
      if (failure.times <= 0) this.injected.splice(index, 1);
    }
    const { status, message } = FAILURES[failure.code];
    return new S3Error(failure.code, message, status);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://s3.local");
    const [, bucketName = "", ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const body = await readBody(req);
    const listing = req.method === "GET" && !key && url.searchParams.get("list-type") === "2";
    const prefix = listing ? (url.searchParams.get("prefix") ?? "") : undefined;
    const call: FakeS3Call = {
      method: req.method ?? "",
      bucket: bucketName,
      key,
      headers: req.headers,
      accessKeyId: /Credential=([^/]+)\//.exec(header(req, "authorization") ?? "")?.[1],
      ...(prefix !== undefined ? { prefix } : {}),
    };
    this.calls.push(call);
    try {
      if (!req.headers.authorization) throw new S3Error("AccessDenied", "Anonymous access is not allowed", 403);
      if (this.failures > 0) {
        this.failures -= 1;
        throw new S3Error("SlowDown", "Please reduce your request rate.", 503);
      }
      const injected = this.injectedFailure(bucketName, prefix ?? key);
      if (injected) throw injected;
      const bucket = this.buckets.get(bucketName);
      if (!bucket) throw new S3Error("NoSuchBucket", "The specified bucket does not exist", 404);
      if (listing) return this.listObjects(bucket, bucketName, url.searchParams, res);
      if (req.method === "PUT" && key) return this.put(bucket, key, body, req, res);
      if (req.method === "GET" && !key && url.searchParams.has("versions"))
        return this.listVersions(bucket, bucketName, url.searchParams, res);
      if (req.method === "GET" && key) return this.get(bucket, key, url.searchParams.get("versionId"), res);
      if (req.method === "DELETE" && key) return this.delete(bucket, key, url.searchParams.get("versionId"), req, res);
      throw new S3Error("NotImplemented", `${req.method} ${url.pathname}${url.search} is not implemented by the fake`, 501);
    } catch (error) {
      const s3 = error instanceof S3Error ? error : new S3Error("InternalError", String(error), 500);
      call.error = s3.code;
      sendXml(res, s3.status, errorXml(s3), {});
    }
  }

  private put(bucket: Bucket, key: string, body: Buffer, req: IncomingMessage, res: ServerResponse): void {
    const mode = header(req, "x-amz-object-lock-mode");
    const until = header(req, "x-amz-object-lock-retain-until-date");
    if ((mode === undefined) !== (until === undefined)) {
      throw new S3Error("InvalidArgument", "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied", 400);
    }
    let lock: { lockMode: LockMode; retainUntil: Date } | undefined;
    if (mode !== undefined && until !== undefined) {
      if (!bucket.objectLock) throw new S3Error("InvalidRequest", "Bucket is missing Object Lock Configuration", 400);
      if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") throw new S3Error("InvalidArgument", "Unknown wormMode directive.", 400);
      const retainUntil = new Date(until);
      if (Number.isNaN(retainUntil.getTime()) || retainUntil.getTime() <= Date.now()) {
        throw new S3Error("InvalidArgument", "The retain until date must be in the future!", 400);
      }
      const checksummed =
        header(req, "content-md5") !== undefined || Object.keys(req.headers).some((name) => name.startsWith("x-amz-checksum-"));
      if (!checksummed)
        throw new S3Error(
          "InvalidRequest",
          "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters",
          400,
        );
      lock = { lockMode: mode, retainUntil };
    }
    if (header(req, "if-none-match") === "*" && this.current(bucket, key)) {
      throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
    }
    const version: FakeS3Version = {
      key,
      versionId: randomBytes(16).toString("base64url"),
      body,
      etag: `"${createHash("md5").update(body).digest("hex")}"`,
      lastModified: new Date(),
      deleteMarker: false,
      ...lock,
    };
    bucket.versions.push(version);
    res.writeHead(200, { ETag: version.etag, "x-amz-version-id": version.versionId, "Content-Length": "0" }).end();
  }

  private get(bucket: Bucket, key: string, versionId: string | null, res: ServerResponse): void {
    const version = versionId ? bucket.versions.find((v) => v.key === key && v.versionId === versionId) : this.current(bucket, key);
    if (!version) throw new S3Error(versionId ? "NoSuchVersion" : "NoSuchKey", "The specified key does not exist.", 404);
    if (version.deleteMarker) throw new S3Error("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
    res.writeHead(200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(version.body.length),
      ETag: version.etag,
      "Last-Modified": version.lastModified.toUTCString(),
      "x-amz-version-id": version.versionId,
      ...(version.lockMode
        ? { "x-amz-object-lock-mode": version.lockMode, "x-amz-object-lock-retain-until-date": version.retainUntil?.toISOString() ?? "" }
        : {}),
    });
    res.end(version.body);
  }

  private delete(bucket: Bucket, key: string, versionId: string | null, req: IncomingMessage, res: ServerResponse): void {
    if (!versionId) {
      const marker: FakeS3Version = {
        key,
        versionId: randomBytes(16).toString("base64url"),
        body: Buffer.alloc(0),
        etag: "",
        lastModified: new Date(),
        deleteMarker: true,
      };
      bucket.versions.push(marker);
      res.writeHead(204, { "x-amz-delete-marker": "true", "x-amz-version-id": marker.versionId }).end();
      return;
    }
    const index = bucket.versions.findIndex((v) => v.key === key && v.versionId === versionId);
    const version = bucket.versions[index];
    if (!version) {
      res.writeHead(204).end();
      return;
    }
    const locked = version.retainUntil !== undefined && version.retainUntil.getTime() > Date.now();
    const bypass = header(req, "x-amz-bypass-governance-retention") === "true" && version.lockMode === "GOVERNANCE";
    if (locked && !bypass) throw new S3Error("AccessDenied", "Access Denied because object protected by object lock.", 403);
    bucket.versions.splice(index, 1);
    res.writeHead(204, { "x-amz-version-id": versionId }).end();
  }

  private listVersions(bucket: Bucket, name: string, params: URLSearchParams, res: ServerResponse): void {
    const prefix = params.get("prefix") ?? "";
    const maxKeys = Math.min(Number(params.get("max-keys") ?? 1000) || 1000, 1000);
    const keyMarker = params.get("key-marker") ?? "";
    // Keys in order, newest version first within a key, as S3 lists them.
    const all = bucket.versions
      .filter((v) => v.key.startsWith(prefix))
      .map((v, order) => ({ v, order }))
      .sort((a, b) => (a.v.key < b.v.key ? -1 : a.v.key > b.v.key ? 1 : b.order - a.order))
      .map(({ v }) => v)
      .filter((v) => v.key > keyMarker);
    const page = all.slice(0, maxKeys);
    // Pages end at a key boundary here, so the marker is simply the last key listed.
    const truncated = all.length > page.length;
    const latest = new Set(page.map((v) => `${v.key}\n${this.current(bucket, v.key, true)?.versionId ?? ""}`));
    const entries = page.map((v) => {
      const isLatest = latest.has(`${v.key}\n${v.versionId}`);
      const common = `<Key>${escapeXml(v.key)}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${isLatest}</IsLatest><LastModified>${v.lastModified.toISOString()}</LastModified>`;
      return v.deleteMarker
        ? `<DeleteMarker>${common}</DeleteMarker>`
        : `<Version>${common}<ETag>${escapeXml(v.etag)}</ETag><Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Version>`;
    });
    const last = page.at(-1);
    sendXml(
      res,
      200,
      `<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(name)}</Name><Prefix>${escapeXml(prefix)}</Prefix>` +
        `<KeyMarker>${escapeXml(keyMarker)}</KeyMarker><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
        (truncated && last
          ? `<NextKeyMarker>${escapeXml(last.key)}</NextKeyMarker><NextVersionIdMarker>${last.versionId}</NextVersionIdMarker>`
          : "") +
        `${entries.join("")}</ListVersionsResult>`,
      {},
    );
  }

  private listObjects(bucket: Bucket, name: string, params: URLSearchParams, res: ServerResponse): void {
    for (const unsupported of ["delimiter", "encoding-type", "fetch-owner"]) {
      if (params.has(unsupported)) throw new S3Error("NotImplemented", `ListObjectsV2 ${unsupported} is not implemented by the fake`, 501);
    }
    const prefix = params.get("prefix") ?? "";
    const rawMax = params.get("max-keys");
    const maxKeys = rawMax === null ? 1000 : Number(rawMax);
    if (!Number.isInteger(maxKeys) || maxKeys < 0)
      throw new S3Error("InvalidArgument", "Provided max-keys not an integer or within integer range", 400);
    const pageSize = Math.min(maxKeys, 1000);
    const token = params.get("continuation-token");
    let after = params.get("start-after") ?? "";
    if (token !== null) {
      const continued = this.continuations.get(token);
      if (!continued || continued.bucket !== name || continued.prefix !== prefix) {
        throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", 400);
      }
      after = continued.after;
    }
    const keys = [...new Set(bucket.versions.map((v) => v.key))]
      .filter((key) => key.startsWith(prefix) && key > after)
      .sort()
      .flatMap((key) => {
        const version = this.current(bucket, key);
        return version ? [version] : [];
      });
    const page = keys.slice(0, pageSize);
    const truncated = keys.length > page.length;
    let next = "";
    const last = page.at(-1);
    if (truncated && last) {
      next = randomBytes(24).toString("base64");
      this.continuations.set(next, { bucket: name, prefix, after: last.key });
    }
    const contents = page.map(
      (v) =>
        `<Contents><Key>${escapeXml(v.key)}</Key><LastModified>${v.lastModified.toISOString()}</LastModified><ETag>${escapeXml(v.etag)}</ETag>` +
        `<Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    );
    sendXml(
      res,
      200,
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(name)}</Name><Prefix>${escapeXml(prefix)}</Prefix>` +
        `<KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
        (token !== null ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : "") +
        (next ? `<NextContinuationToken>${escapeXml(next)}</NextContinuationToken>` : "") +
        `${contents.join("")}</ListBucketResult>`,
      {},
    );
  }

  /** The key's newest version (undefined when its newest is a delete marker, unless asked for markers too). */
  private current(bucket: Bucket, key: string, markers = false): FakeS3Version | undefined {
    const newest = bucket.versions.filter((v) => v.key === key).at(-1);
    return newest && (markers || !newest.deleteMarker) ? newest : undefined;
  }
}

export async function startFakeS3(): Promise<FakeS3> {
  const fake = new FakeS3();
  await fake.listen();
  return fake;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendXml(res: ServerResponse, status: number, xml: string, headers: Record<string, string>): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  res.writeHead(status, { "Content-Type": "application/xml", "Content-Length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function errorXml(error: S3Error): string {
  return `<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${randomBytes(8).toString("hex")}</RequestId></Error>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
