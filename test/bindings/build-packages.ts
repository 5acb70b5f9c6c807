// Builds the Python, Java and Go packages the binding tests use, if they are missing or were built from another jsii
// assembly (`npx projen bindings:build`; `npm test` runs it before jest, so that jsii-pacmak does not compete with
// the other test files for the CPU).
import { buildPackages, LANGUAGES } from './harness';

const built = buildPackages(LANGUAGES);
console.log(built.length > 0 ? `bindings: built the ${built.join(', ')} packages` : 'bindings: the packages are up to date');
