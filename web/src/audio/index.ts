// Sound for the live view (docs/audio.md). The viewer's audio hook
// (web/src/viewer/audio_hook.ts) opens a ViewerAudio for every viewer
// connection; createAudioControls(instanceId) makes the volume / mute /
// microphone controls for a viewer's bar or the console.

export { createAudioPlayer, hasWebCodecsAudio } from "./player";
export type { AudioPlayer, AudioPlayerOptions, AudioPlayerStats } from "./player";
export { startMicrophone, hasWebCodecsMicrophone } from "./microphone";
export type { Microphone } from "./microphone";
export { parseAudioOpus, micOpus, AUDIO_OPUS, MIC_OPUS } from "./protocol";
export { PlayoutClock } from "./playout";
export { ViewerAudio, audioFor, onAudioChange } from "./viewer_audio";
export { createAudioControls } from "./controls";
export type { AudioControlsOptions } from "./controls";
export { getHostAudio, setHostAudio } from "./host_audio";
export type { HostAudio } from "./host_audio";
