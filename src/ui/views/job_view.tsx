/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * Job detail: the job's fields (live, through a subscription filtered to
 * this one job), its log tail and its artifacts, read through the cache.
 * Both reads are subscriptions on the page's socket (`readJobLog`,
 * `readArtifacts`) that report the cache pool's progress (the log's in
 * bytes read), drawn as a progress bar; a read cut by a reconnect is sent
 * again once the socket is back (`one_shot_read.ts`).
 *
 * @module
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  type AppServices,
  useServices,
  useStoreVersion,
  useViewSubscription,
} from "../context.tsx";
import { QueryError, runQuery } from "../graphql_http.ts";
import { oneShotRead, progressEvent, whenReady } from "../one_shot_read.ts";
import { workflowOf } from "../normalized_store.ts";
import { StatusIcon } from "../status_icon.tsx";
import { jobQuery } from "../view_queries.ts";
import { shortTime } from "./time_text.ts";

interface JobLog {
  readonly lines: readonly string[];
  readonly totalLines: number | null;
  readonly size: number;
}

interface ArtifactEntry {
  readonly name: string;
  readonly location: string;
  readonly size: number | null;
  readonly text: string | null;
  readonly tooLarge: boolean;
}

const LOG_SUBSCRIPTION = `subscription Log($id: ID!, $stream: String, $tail: Int) {
  readJobLog(jobId: $id, stream: $stream, tail: $tail) {
    fraction detail done log { lines totalLines size } } }`;
const TAIL_LINES = 200;

/** Where a read is: reading (with progress once the pool reports it), done, or failed. */
interface ReadState<T> {
  readonly state: "loading" | "done" | "error";
  /** Share read (0…1), once the pool has reported progress. */
  readonly fraction?: number;
  /** The pool's words for it (`read N of M bytes`). */
  readonly detail?: string;
  readonly value?: T;
  readonly error?: string;
}

/** `1536` → `1.5 KB`. */
function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The log read's progress label: the share, and the bytes in words when told. */
function logLabel(fraction: number | undefined, detail: string | undefined): string {
  if (fraction === undefined) return "Reading the log…";
  const read = /^read (\d+) of (\d+) bytes$/.exec(detail ?? "");
  const amount = read ? ` (${bytes(Number(read[1]))} of ${bytes(Number(read[2]))})` : "";
  return `Reading the log… ${Math.round(fraction * 100)} %${amount}`;
}

/** Props of the Job detail. */
export interface JobViewProps {
  readonly jobId: string;
  readonly onClose: () => void;
}

/** An indeterminate or determinate progress bar with a label. */
function Progress(props: { label: string; fraction?: number }) {
  return (
    <div class="progress" role="status">
      <progress
        max={1}
        value={props.fraction}
        aria-label={props.label}
      />
      <span>{props.label}</span>
    </div>
  );
}

/** The Job detail view. */
export function JobView(props: JobViewProps) {
  const { jobId } = props;
  const workflowId = workflowOf(jobId);
  useViewSubscription("job", "Job detail", workflowId, jobQuery(jobId));
  const services = useServices();
  const { store } = services;
  useStoreVersion();
  const job = store.jobs.get(jobId);
  const [stream, setStream] = useState<"stdout" | "stderr">("stdout");
  const [log, setLog] = useState<ReadState<JobLog | null>>({ state: "loading" });
  const [artifacts, setArtifacts] = useState<ReadState<ArtifactEntry[]>>({ state: "loading" });
  // The log is read again when the job's status or heartbeat moves (it
  // grew); both reads wait until the job is known (no read of a job the
  // store has not seen, and none thrown away when it arrives).
  const known = job !== undefined;
  // (Unknown and null are one: the Tree may know the job before this view's
  // fields arrive, and a re-read then would be thrown away.)
  const trigger = `${String(job?.status ?? "")}|${String(job?.lastHeartbeatTime ?? "")}|${stream}`;
  useEffect(() => {
    if (!known) return;
    const abort = new AbortController();
    setLog((l) => ({ state: "loading", value: l.value }));
    oneShotRead<JobLog | null>({
      client: services.client,
      name: "log",
      query: LOG_SUBSCRIPTION,
      variables: { id: jobId, stream, tail: TAIL_LINES },
      read: (payload) => progressEvent<JobLog | null>(payload, "readJobLog", "log"),
      onProgress: (fraction, detail) => setLog((l) => ({ ...l, fraction, detail })),
      signal: abort.signal,
    }).then(
      (value) => setLog({ state: "done", value }),
      (e) => !abort.signal.aborted && setLog({ state: "error", error: (e as Error).message }),
    );
    return () => abort.abort();
  }, [jobId, known, trigger]);
  useEffect(() => {
    if (!known) return;
    const abort = new AbortController();
    setArtifacts({ state: "loading" });
    readArtifacts(
      jobId,
      services,
      (fraction) => setArtifacts({ state: "loading", fraction }),
      abort.signal,
    ).then(
      (value) => setArtifacts({ state: "done", value }),
      (e) => !abort.signal.aborted && setArtifacts({ state: "error", error: (e as Error).message }),
    );
    return () => abort.abort();
  }, [jobId, known, String(job?.status ?? "")]);
  // A tail is read from its end: show the newest lines.
  const logBox = useRef<HTMLPreElement>(null);
  useLayoutEffect(() => {
    if (logBox.current) logBox.current.scrollTop = logBox.current.scrollHeight;
  }, [log.value]);
  const fields: [string, unknown][] = job
    ? [
      ["Submit", job.submitNum],
      ["Platform", job.platform],
      ["Submitted", shortTime(job.submittedTime)],
      ["Started", shortTime(job.startedTime)],
      ["Finished", shortTime(job.finishedTime)],
      ["Last heartbeat", shortTime(job.lastHeartbeatTime)],
    ]
    : [];
  return (
    <section class="panel job" aria-labelledby="job-title" data-view="job">
      <div class="panel-head">
        <h2 id="job-title">Job {jobId.slice(workflowId.length + 2)}</h2>
        <button type="button" onClick={props.onClose} aria-label="Close job detail">Close</button>
      </div>
      {!job ? <p class="empty" role="status">Loading the job…</p> : (
        <div class="job-fields">
          <p class="job-status">
            <StatusIcon status={job.status} />
            {job.statusMsg ? <span class="status-msg">{String(job.statusMsg)}</span> : null}
          </p>
          <dl>
            {fields.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v === undefined || v === null ? "—" : String(v)}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      <h3>
        Log (last {TAIL_LINES} lines){" "}
        <select
          aria-label="Log stream"
          value={stream}
          onChange={(e) => setStream((e.currentTarget as HTMLSelectElement).value as "stdout")}
        >
          <option value="stdout">stdout</option>
          <option value="stderr">stderr</option>
        </select>
      </h3>
      {log.state === "error" ? <p class="error" role="alert">{log.error}</p> : null}
      {log.state === "loading" && (log.value === undefined || log.fraction !== undefined)
        ? <Progress label={logLabel(log.fraction, log.detail)} fraction={log.fraction} />
        : null}
      {log.value === null ? <p class="empty">This job has no {stream} log yet.</p> : null}
      {log.value
        ? (
          <pre class="log" tabIndex={0} ref={logBox} aria-label={`${stream}, last lines`}>
            {log.value.lines.join("\n")}
          </pre>
        )
        : null}
      <h3>Artifacts</h3>
      {artifacts.state === "loading"
        ? (
          <Progress
            label={artifacts.fraction === undefined
              ? "Reading artifacts…"
              : `Reading artifacts… ${Math.round(artifacts.fraction * 100)} %`}
            fraction={artifacts.fraction}
          />
        )
        : artifacts.state === "error"
        ? <p class="error" role="alert">{artifacts.error}</p>
        : artifacts.value?.length === 0
        ? <p class="empty">This job has no artifacts.</p>
        : (
          <ul class="artifacts">
            {artifacts.value?.map((a) => (
              <li key={a.location}>
                <strong>{a.name}</strong> <span class="muted">{a.size ?? "?"} bytes</span>
                {a.tooLarge
                  ? <p class="muted">Too large to show.</p>
                  : a.text === null
                  ? <p class="muted">Binary content.</p>
                  : <pre class="artifact">{a.text.slice(0, 2000)}</pre>}
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

const LIST_QUERY = `query Artifacts($id: ID!) { jobArtifacts(jobId: $id) { name location } }`;
const READ_SUBSCRIPTION = `subscription Read($l: [String!]!) {
  readArtifacts(locations: $l) { fraction done artifacts { location size text tooLarge } } }`;

/**
 * Lists the job's artifacts (`jobArtifacts`, over HTTP: waiting out a
 * reconnect when the server cannot be reached), then reads them through the
 * artifacts cache pool with the `readArtifacts` subscription on the page's
 * socket, which reports the pool's progress before the contents.
 */
async function readArtifacts(
  jobId: string,
  services: AppServices,
  progress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<ArtifactEntry[]> {
  let list: { jobArtifacts: { name: string; location: string }[] | null };
  for (;;) {
    await whenReady(services.client, signal);
    try {
      list = await runQuery(LIST_QUERY, { id: jobId }, services.token());
      break;
    } catch (error) {
      // Unreachable or draining (a restart): try again once the socket is back.
      const status = error instanceof QueryError ? error.status : 0;
      if (status !== undefined && status !== 503) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const entries = list.jobArtifacts ?? [];
  if (entries.length === 0) return [];
  return await oneShotRead<ArtifactEntry[]>({
    client: services.client,
    name: "artifacts",
    query: READ_SUBSCRIPTION,
    variables: { l: entries.map((e) => e.location) },
    read(payload) {
      const event = progressEvent<Omit<ArtifactEntry, "name">[] | null>(
        payload,
        "readArtifacts",
        "artifacts",
      );
      return event?.done
        ? {
          done: true,
          value: (event.value ?? []).map((a, i) => ({ name: entries[i].name, ...a })),
        }
        : event;
    },
    onProgress: (fraction) => progress(fraction),
    signal,
  });
}
