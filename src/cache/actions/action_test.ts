import { assert } from "../../../tests/assert.ts";
import { ActionFailure, isInside } from "./action.ts";

Deno.test("isInside compares whole path segments", () => {
  assert(
    isInside("/r", "/r") && isInside("/r/x", "/r/") && !isInside("/rx", "/r") &&
      !isInside("/", "/r"),
  );
  assert(new ActionFailure("invalid", "x").code === "invalid");
});
