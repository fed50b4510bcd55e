import { test } from 'node:test';
import { parityTests } from './fixtures.js';

parityTests(test, 'Adam');
