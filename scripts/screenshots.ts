/**
 * Screenshots of a running server's UI, for the README: the simulator's
 * workflows in the Tree and Graph, and in the Table with a job's detail, at
 * 1280×800, plus GraphiQL.
 *
 * ```sh
 * OVERLAP_PORT=8188 OVERLAP_DATA_DIR=/tmp/overlap-shots deno task start &
 * deno run -A scripts/screenshots.ts http://127.0.0.1:8188 docs/
 * ```
 *
 * Start the server a minute ahead so the simulator has run some jobs. Uses
 * Debian's Chromium (`tests/chromium.ts`). Prints each file written; exits 1
 * when the page logs an error.
 *
 * @module
 */
import { launchChromium } from "../tests/chromium.ts";

const USAGE = "usage: screenshots.ts <server URL> <output directory>";

if (import.meta.main) {
  const [base, out] = Deno.args;
  if (!base || !out || !/^https?:\/\//.test(base)) {
    console.error(`screenshots: ${USAGE}`);
    Deno.exit(2);
  }
  await Deno.mkdir(out, { recursive: true });
  const browser = await launchChromium();
  const problems: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(String(e)));
    const shot = async (name: string) => {
      const path = `${out.replace(/\/$/, "")}/${name}`;
      await page.screenshot({ path });
      console.log(`wrote ${path}`);
    };
    const workflow = "~sim/train";
    await page.goto(`${base}/#/w/${encodeURIComponent(workflow)}?views=tree,graph`);
    await page.locator('[data-view="graph"] g.node').first().waitFor({ timeout: 20_000 });
    await page.locator('[data-view="tree"] [role="treeitem"]').first().waitFor();
    await shot("ui_tree_graph.png");

    const forecast = "~sim/forecast";
    await page.goto(`${base}/#/w/${encodeURIComponent(forecast)}?views=table`);
    // A finished job: its whole log and its artifacts.
    const job = page.locator('[data-view="table"] .table-row', { hasText: "succeeded" }).first()
      .locator("button.link");
    await job.waitFor({ timeout: 20_000 });
    await job.click();
    await page.locator('[data-view="job"] pre.log').waitFor({ timeout: 20_000 });
    await page.locator('[data-view="job"] .artifacts')
      .or(page.getByText("This job has no artifacts."))
      .waitFor({ timeout: 20_000 });
    await shot("ui_table_job.png");

    await page.goto(`${base}/graphiql`);
    await page.locator(".graphiql-container").waitFor({ timeout: 20_000 });
    await shot("graphiql.png");
  } finally {
    await browser.close();
  }
  if (problems.length > 0) {
    console.error(`screenshots: the page logged errors:\n${problems.join("\n")}`);
    Deno.exit(1);
  }
}
