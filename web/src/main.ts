// The web console: login, instance grid, per-instance live view, admin
// pages. web/src/console/ is the management UI (app.ts routes);
// web/src/viewer/ holds the live view and web/src/audio/ its sound.

import "./style.css";
import { startConsole } from "./console/app";

void startConsole();
