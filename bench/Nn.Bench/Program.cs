using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Nn.Bench -- --filter '*'            all BenchmarkDotNet suites
// dotnet run -c Release --project bench/Nn.Bench -- --filter '*Gemm*'       one suite
// dotnet run -c Release --project bench/Nn.Bench -- load-fashion-mnist       parse time and peak memory of the IDX loader
// dotnet run -c Release --project bench/Nn.Bench -- gemm-sweep [provider] [--shapes TEXT] [--threads N]    quick sgemm table (stopwatch medians), one provider per process
// dotnet run -c Release --project bench/Nn.Bench -- serve-load [seconds]     nn serve in a child process, load from this one (and wrk if installed)
// dotnet run -c Release --project bench/Nn.Bench -- soak [cycles]            resident memory over network/predictor create/dispose cycles
// dotnet run -c Release --project bench/Nn.Bench -- limits                    FMA peak and read bandwidth on 1 and 2 threads
if (args.Length > 0 && args[0] == "limits")
{
    foreach (int threads in new[] { 1, 2 })
    {
        Console.WriteLine($"{threads} thread(s): FP32 FMA {Nn.Bench.Limits.MachineLimits.FmaGflops(threads):F0} GFLOP/s, read {Nn.Bench.Limits.MachineLimits.ReadGigabytes(threads):F1} GB/s");
    }
    return 0;
}
// dotnet run -c Release --project bench/Nn.Bench -- peer-run --epochs N --threads T --json F   Nn's side of bench/peers/side_by_side.py
if (args.Length > 0 && args[0] == "peer-run")
{
    return Nn.Bench.Peers.NnPeerRun.Run(args);
}
// dotnet run -c Release --project bench/Nn.Bench -- peer-charts RESULTS.json DIR      PNG charts of a side_by_side.py run
if (args.Length > 0 && args[0] == "peer-charts")
{
    return Nn.Bench.Peers.PeerCharts.Run(args);
}
// dotnet run -c Release --project bench/Nn.Bench -- training-scaling           epoch time against samples and width, memory against batch size
if (args.Length > 0 && args[0] == "training-scaling")
{
    return Nn.Bench.Training.TrainingScaling.Run(args);
}
// dotnet run -c Release --project bench/Nn.Bench -- mlnet-linear [threads] [fashion-mnist|digits]  the lectures' linear models against ML.NET, same process and data
if (args.Length > 0 && args[0] == "mlnet-linear")
{
    return Nn.Bench.Peers.MlNetLinear.Run(args);
}
// dotnet run -c Release --project bench/Nn.Bench -- fashion-recipe [i ...]     Fashion-MNIST recipes, test accuracy per epoch and time to 88 %
if (args.Length > 0 && args[0] == "fashion-recipe")
{
    return Nn.Bench.Training.FashionRecipe.Run(args);
}
// dotnet run -c Release --project bench/Nn.Bench -- step-profile [provider]   where one training step's time goes, 1 and 2 threads
if (args.Length > 0 && args[0] == "step-profile")
{
    return Nn.Bench.Training.StepProfile.Run(args);
}
// dotnet run -c Release --project bench/Nn.Bench -- fullbatch-profile [threads]   where one full-batch evaluation's time goes (softmax regression)
if (args.Length > 0 && args[0] == "fullbatch-profile")
{
    return Nn.Bench.Training.FullBatchProfile.Run(args);
}
// dotnet run -c Release --project bench/Nn.Bench -- scale-out                 one rank's step against shard size, projected to 2-128 machines
if (args.Length > 0 && args[0] == "scale-out")
{
    return Nn.Bench.Distributed.ScaleOutProjection.Run(args);
}
// dotnet run -c Release --project bench/Nn.Bench -- gemm-parts                one-thread parts and two-thread halves (columns, rows) of the training GEMMs
// dotnet run -c Release --project bench/Nn.Bench -- gemm-zero-steps           the first layer's products with and without skipping zero steps
if (args.Length > 0 && args[0] == "gemm-zero-steps")
{
    return Nn.Bench.GemmZeroSteps.Run(args);
}
if (args.Length > 0 && args[0] == "gemm-parts")
{
    return Nn.Bench.GemmParts.Run(args);
}
if (args.Length > 0 && args[0] == "gemm-sweep")
{
    return Nn.Bench.GemmSweep.Run(args);
}
if (args.Length > 0 && args[0] == "soak")
{
    return Nn.Bench.Load.Soak.Run(args);
}
if (args.Length > 0 && args[0] == "serve-load")
{
    return await Nn.Bench.Load.ServeLoad.RunAsync(args);
}
if (args.Length > 0 && args[0] == "load-fashion-mnist")
{
    return Nn.Bench.LoadFashionMnist.Run();
}
BenchmarkSwitcher.FromAssembly(typeof(Nn.Bench.BenchConfig).Assembly).Run(args, new Nn.Bench.BenchConfig());
return 0;
