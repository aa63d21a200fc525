// Jest for examples/testing/jest.test.cjs alone (the other files here are for node:test and Vitest), in its default
// CommonJS mode: the file is plain JavaScript, so nothing is transformed.
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/jest.test.cjs'],
  transform: {},
};
