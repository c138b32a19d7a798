import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { permissionFlags, serverPermissions, workerPermissions } from "./permissions.ts";

Deno.test("server and worker flags are narrow", () => {
  assertEquals(permissionFlags(serverPermissions("/c/artifacts", ["/art"], "/bin/deno")), [
    "--no-prompt",
    "--allow-read=/c/artifacts,/art",
    "--allow-write=/c/artifacts",
    "--allow-run=/bin/deno",
  ]);
  assertEquals(
    permissionFlags(
      workerPermissions("/c/a/tmp/job-x", ["/art"], ["s3.local:9000"], ["AWS_ACCESS_KEY_ID"]),
    ),
    [
      "--no-prompt",
      "--allow-read=/c/a/tmp/job-x,/art",
      "--allow-write=/c/a/tmp/job-x",
      "--allow-net=s3.local:9000",
      "--allow-env=AWS_ACCESS_KEY_ID",
    ],
  );
  assertThrows(() => permissionFlags(serverPermissions("/a,b", [], "/d")), TypeError, "comma");
});
