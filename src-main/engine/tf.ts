// tfjs-core, with every op's gradient registered. tfjs-core's Node bundle leaves the gradient
// registrations out (the @tensorflow/tfjs package bundles them), so the engine imports tf from here.
import '@tensorflow/tfjs';
import { env } from '@tensorflow/tfjs-core';

// PROD: no debug checks and no "install tfjs-node" banner; backend selection reports the backend itself.
env().set('PROD', true);

export * from '@tensorflow/tfjs-core';
