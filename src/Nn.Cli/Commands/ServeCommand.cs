using Nn.Service;

namespace Nn.Cli.Commands;

/// <summary>nn serve: loads a checkpoint or ONNX model and serves it over HTTP on 127.0.0.1 until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string> { "model", "port", "watch", "max-rows", "max-body-mb", "blas", "threads" };

    public static int Run(Arguments args, TextWriter output)
    {
        string path = args.OptionalText("model") ?? throw new UsageException("serve needs --model path/to/model (an Nn checkpoint or an ONNX file).");
        var options = new ServiceOptions
        {
            ModelPath = path,
            Port = args.Int("port", 8080, 0, 65535),
            WatchModelFile = args.Has("watch"),
            MaxRows = args.Int("max-rows", 10_000, 1, 1_000_000),
            MaxBodyBytes = args.Int("max-body-mb", 16, 1, 1024) << 20,
        };
        InfoCommand.ConfigureBlas(args);
        PredictionService service = PredictionService.Create(options, message => output.WriteLine($"serve     {message}"));
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler interrupt = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        EventHandler exit = (_, _) => stop.Cancel();
        Console.CancelKeyPress += interrupt;
        AppDomain.CurrentDomain.ProcessExit += exit;
        try
        {
            try
            {
                service.StartAsync().GetAwaiter().GetResult();
            }
            catch (IOException error)
            {
                throw new UsageException($"Cannot listen on 127.0.0.1:{options.Port}: {error.Message} Choose another --port.");
            }
            var model = service.Host.Current;
            output.WriteLine($"serve     {model.Path} ({model.Format}): {model.Predictor.Architecture}, {model.Predictor.InputSize} inputs");
            output.WriteLine($"serve     listening on {service.Address} (POST /predict, GET /health, GET /model, POST /model/reload); Ctrl+C stops");
            output.Flush();
            stop.Token.WaitHandle.WaitOne();
        }
        finally
        {
            Console.CancelKeyPress -= interrupt;
            AppDomain.CurrentDomain.ProcessExit -= exit;
            service.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        output.WriteLine("serve     stopped");
        return 0;
    }
}
