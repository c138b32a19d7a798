/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * Job detail: the job's fields (live, through a subscription filtered to
 * this one job), its log tail and its artifacts, read through the cache.
 * Reads show a progress bar; the artifacts' read (`readArtifacts`) reports
 * the cache pool's progress.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import {
  type AppServices,
  useServices,
  useStoreVersion,
  useViewSubscription,
} from "../context.tsx";
import { runQuery } from "../graphql_http.ts";
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

const LOG_QUERY = `query Log($id: ID!, $stream: String) {
  jobLog(jobId: $id, stream: $stream, tail: 200) { lines totalLines size } }`;
const TAIL_LINES = 200;

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
  const { store, token } = services;
  useStoreVersion();
  const job = store.jobs.get(jobId);
  const [stream, setStream] = useState<"stdout" | "stderr">("stdout");
  const [log, setLog] = useState<
    { state: "loading" | "done" | "error"; log?: JobLog | null; error?: string }
  >({
    state: "loading",
  });
  const [artifacts, setArtifacts] = useState<
    {
      state: "loading" | "done" | "error";
      fraction?: number;
      items?: ArtifactEntry[];
      error?: string;
    }
  >({ state: "loading" });
  // The log is read again when the job's status or heartbeat moves (it grew).
  const trigger = `${String(job?.status)}|${String(job?.lastHeartbeatTime)}|${stream}`;
  useEffect(() => {
    let cancelled = false;
    setLog((l) => ({ ...l, state: "loading" }));
    runQuery<{ jobLog: JobLog | null }>(LOG_QUERY, { id: jobId, stream }, token())
      .then((data) => !cancelled && setLog({ state: "done", log: data.jobLog }))
      .catch((e) => !cancelled && setLog({ state: "error", error: (e as Error).message }));
    return () => {
      cancelled = true;
    };
  }, [jobId, trigger]);
  useEffect(() => {
    const signal = { cancelled: false };
    setArtifacts({ state: "loading", fraction: 0 });
    readArtifacts(
      jobId,
      services,
      (fraction) => !signal.cancelled && setArtifacts({ state: "loading", fraction }),
      signal,
    )
      .then((items) => !signal.cancelled && setArtifacts({ state: "done", items }))
      .catch((e) =>
        !signal.cancelled && setArtifacts({ state: "error", error: (e as Error).message })
      );
    return () => {
      signal.cancelled = true;
    };
  }, [jobId, String(job?.status), services.client.ready]);
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
      {log.state === "loading" && log.log === undefined
        ? <Progress label="Reading the log…" />
        : null}
      {log.log === null ? <p class="empty">This job has no {stream} log yet.</p> : null}
      {log.log ? <pre class="log" tabIndex={0}>{log.log.lines.join("\n")}</pre> : null}
      <h3>Artifacts</h3>
      {artifacts.state === "loading"
        ? (
          <Progress
            label={`Reading artifacts… ${Math.round((artifacts.fraction ?? 0) * 100)} %`}
            fraction={artifacts.fraction}
          />
        )
        : artifacts.state === "error"
        ? <p class="error" role="alert">{artifacts.error}</p>
        : artifacts.items?.length === 0
        ? <p class="empty">This job has no artifacts.</p>
        : (
          <ul class="artifacts">
            {artifacts.items?.map((a) => (
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
let reads = 0;

/**
 * Lists the job's artifacts (`jobArtifacts`), then reads them through the
 * artifacts cache pool with the `readArtifacts` subscription on the page's
 * socket, which reports the pool's progress before the contents.
 */
async function readArtifacts(
  jobId: string,
  services: AppServices,
  progress: (fraction: number) => void,
  signal: { cancelled: boolean },
): Promise<ArtifactEntry[]> {
  const list = await runQuery<{ jobArtifacts: { name: string; location: string }[] | null }>(
    LIST_QUERY,
    { id: jobId },
    services.token(),
  );
  const entries = list.jobArtifacts ?? [];
  if (entries.length === 0 || signal.cancelled) return [];
  const { client } = services;
  if (!client.ready) throw new Error("not connected; the artifacts are read once the page is live");
  const id = `artifacts-${++reads}`;
  return await new Promise<ArtifactEntry[]>((resolve, reject) => {
    const timer = setInterval(() => {
      if (!signal.cancelled) return;
      clearInterval(timer);
      client.complete(id);
      resolve([]);
    }, 250);
    const finish = () => clearInterval(timer);
    client.subscribe(id, {
      query: READ_SUBSCRIPTION,
      variables: { l: entries.map((e) => e.location) },
    }, {
      next(payload) {
        const event = (payload as {
          data?: {
            readArtifacts?: {
              fraction: number;
              done: boolean;
              artifacts: Omit<ArtifactEntry, "name">[] | null;
            };
          };
        }).data?.readArtifacts;
        if (!event) return;
        if (!event.done) {
          progress(event.fraction);
          return;
        }
        finish();
        resolve((event.artifacts ?? []).map((a, i) => ({ name: entries[i].name, ...a })));
      },
      error(errors) {
        finish();
        reject(new Error(errors.map((e) => (e as { message?: string }).message).join("; ")));
      },
      complete() {
        finish();
        reject(new Error("the read ended before its result"));
      },
    });
  });
}
