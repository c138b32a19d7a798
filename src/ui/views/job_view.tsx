/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * Job detail: the job's fields (live, through a subscription filtered to
 * this one job), its log tail and its artifacts, read through the cache.
 * Reads show a progress bar; the artifacts' read reports how far it got.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import { useServices, useStoreVersion, useViewSubscription } from "../context.tsx";
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
  const { store, token } = useServices();
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
    let cancelled = false;
    setArtifacts({ state: "loading", fraction: 0 });
    readArtifacts(
      jobId,
      token(),
      (fraction) => !cancelled && setArtifacts({ state: "loading", fraction }),
    )
      .then((items) => !cancelled && setArtifacts({ state: "done", items }))
      .catch((e) => !cancelled && setArtifacts({ state: "error", error: (e as Error).message }));
    return () => {
      cancelled = true;
    };
  }, [jobId, String(job?.status)]);
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

/**
 * Lists the job's artifacts (`jobArtifacts`), then reads each through the
 * artifacts cache pool (`artifact(location)`), reporting the fraction read.
 */
async function readArtifacts(
  jobId: string,
  token: string | undefined,
  progress: (fraction: number) => void,
): Promise<ArtifactEntry[]> {
  const list = await runQuery<{ jobArtifacts: { name: string; location: string }[] | null }>(
    LIST_QUERY,
    { id: jobId },
    token,
  );
  const entries = list.jobArtifacts ?? [];
  const out: ArtifactEntry[] = [];
  for (const [i, entry] of entries.entries()) {
    progress(i / Math.max(1, entries.length));
    const data = await runQuery<{ artifact: Omit<ArtifactEntry, "name"> | null }>(
      "query A($l: String!) { artifact(location: $l) { location size text tooLarge } }",
      { l: entry.location },
      token,
    );
    if (data.artifact) out.push({ name: entry.name, ...data.artifact });
  }
  progress(1);
  return out;
}
