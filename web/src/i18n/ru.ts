import type { Catalog } from "./index";

export const catalog: Catalog = {};
