using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Nn.Bench -- --filter '*'       (all suites)
// dotnet run -c Release --project bench/Nn.Bench -- --filter '*Gemm*'  (one suite)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new Nn.Bench.BenchConfig());
