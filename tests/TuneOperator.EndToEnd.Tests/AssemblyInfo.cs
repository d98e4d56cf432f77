using Xunit;

// Every test runs real trainer processes; run them one at a time so they do not compete for the CPU.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
