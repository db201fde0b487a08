namespace Nn.Cli.Commands;

/// <summary>nn gradcheck: backpropagation against centred differences on a small random float64 network.</summary>
internal static class GradientCheckCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string> { "hidden", "activation", "loss", "seed", "l2", "blas", "threads" };

    public static int Run(Arguments args, TextWriter output)
    {
        int[] hidden = args.IntList("hidden", [8, 6]);
        string activation = args.Choice("activation", "tanh", new Dictionary<string, string> { ["relu"] = "relu", ["tanh"] = "tanh", ["sigmoid"] = "sigmoid", ["leakyrelu"] = "leakyrelu", ["identity"] = "identity" });
        string lossName = args.Choice("loss", "ce", new Dictionary<string, string> { ["ce"] = "ce", ["bce"] = "bce", ["mse"] = "mse", ["hinge"] = "hinge" });
        int seed = args.Int("seed", 1, 0);
        double l2 = args.Double("l2", 0.01, 0, 1e6);
        InfoCommand.ConfigureBlas(args);

        Activation Make() => activation switch
        {
            "relu" => new Relu(), "sigmoid" => new Sigmoid(), "leakyrelu" => new LeakyRelu(), "identity" => new Identity(), _ => new Tanh(),
        };
        (Activation head, Loss loss) = lossName switch
        {
            "bce" => ((Activation)new Sigmoid(), (Loss)new BinaryCrossEntropy()),
            "mse" => (new Identity(), new MeanSquaredError()),
            "hinge" => (new Identity(), new Hinge()),
            _ => (new Softmax(), new CategoricalCrossEntropy()),
        };
        const int inputs = 5, outputs = 4, batch = 8;
        using var network = new Network<double>(DenseStack.Build(inputs, hidden, Make, outputs, head), new NetworkOptions { Seed = seed });
        var random = new Random(seed);
        for (int l = 0; l < network.LayerCount; l++) network.Biases(l).Fill(0.05);
        double[] x = Enumerable.Range(0, batch * inputs).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] t = new double[batch * outputs];
        for (int r = 0; r < batch; r++)
        {
            if (lossName is "ce" or "hinge") t[r * outputs + random.Next(outputs)] = 1;
            else for (int j = 0; j < outputs; j++) t[r * outputs + j] = lossName == "bce" ? random.Next(2) : random.NextDouble();
        }
        GradientCheckReport report = GradientCheck.Run(network, x, t, batch, loss, new GradientCheckOptions { L2 = l2 });
        output.WriteLine($"{network.Architecture} with {loss}, L2 {l2}, batch {batch}, float64");
        output.WriteLine(report.ToString());
        bool passes = report.Passes(1e-6);
        output.WriteLine(passes ? "PASS (max relative error <= 1e-6)" : "FAIL (max relative error > 1e-6)");
        return passes ? 0 : 1;
    }
}
