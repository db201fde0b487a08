using Xunit;

namespace Nn.Model.Tests;

/// <summary>
/// The network's contract beyond forward and backward: where a non-finite value is reported, the L2 term added after a
/// data-parallel sum, what Step refuses before touching anything, the single-thread guard on every member, the
/// messages of refused calls, and that Dispose frees every workspace.
/// </summary>
public sealed class NetworkContractTests
{
    // 2 → 2 → 2, identity activations and MSE, weights set by hand so that values can be pushed to overflow.
    private static Network<double> Linear(double firstScale = 1, double secondScale = 1)
    {
        var network = new Network<double>(new Sequential(new Dense(2, 2), new Identity(), new Dense(2, 2), new Identity()));
        network.Weights(0).Clear();
        network.Weights(0)[0] = firstScale;
        network.Weights(0)[3] = firstScale;
        network.Weights(1).Fill(secondScale);
        return network;
    }

    [Fact]
    public void FindNonFiniteNamesTheFirstPlaceBottomUpThenTopDown()
    {
        using Network<double> network = Linear();
        double[] x = [1, 2, 3, 4], t = [0, 1, 1, 0];
        network.ComputeGradients(x, t, 2, new MeanSquaredError());
        Assert.Null(network.FindNonFinite(2));

        network.WeightGradients(0)[1] = double.NaN;
        Assert.Equal("layer 1 gradients", network.FindNonFinite(2));
        network.BiasGradients(1)[0] = double.PositiveInfinity;
        Assert.Equal("layer 2 gradients", network.FindNonFinite(2)); // gradients are searched from the top
        network.WeightGradients(0)[1] = 0;
        network.BiasGradients(1)[0] = 0;
        network.BiasGradients(0)[1] = double.NaN;
        Assert.Equal("layer 1 gradients", network.FindNonFinite(2));
        network.BiasGradients(0)[1] = 0;

        network.Biases(1)[1] = double.NaN;
        Assert.Equal("layer 2 parameters", network.FindNonFinite(2));
        network.Weights(0)[2] = double.NegativeInfinity;
        Assert.Equal("layer 1 parameters", network.FindNonFinite(2)); // parameters are searched from the bottom
    }

    [Fact]
    public void FindNonFiniteTellsActivationsFromDeltas()
    {
        // Layer 2 overflows: 1e200 inputs times 1e200 weights.
        using (Network<double> network = Linear(secondScale: 1e200))
        {
            network.Forward([1e200, 1e200, 1, 1], 2);
            Assert.Equal("layer 2 activations", network.FindNonFinite(2));
            Assert.Null(network.FindNonFinite(3)); // a batch beyond the workspace is not read
        }
        using (Network<double> network = Linear())
        {
            network.Forward([double.NaN, 1, 1, 1], 2);
            Assert.Equal("layer 1 activations", network.FindNonFinite(2));
            Assert.Equal("layer 1 activations", network.FindNonFinite(1)); // the first row holds the NaN
        }
        // Finite outputs 1e308 against targets −1e308: the difference overflows in the top layer's delta only.
        using (Network<double> network = Linear(secondScale: 0.5))
        {
            network.ComputeGradients([1e308, 1e308], [-1e308, -1e308], 1, new MeanSquaredError());
            Assert.Equal("layer 2 deltas", network.FindNonFinite(1));
        }
    }

    [Fact]
    public void LargeFiniteValuesAreFiniteAndAnyNaNOrInfinityIsNot()
    {
        Assert.True(Network<float>.AllFinite([float.MaxValue, float.MaxValue, -float.MaxValue]));
        Assert.True(Network<float>.AllFinite([]));
        for (int at = 0; at < 40; at += 13)
        {
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                float[] values = Enumerable.Range(0, 40).Select(i => (float)i).ToArray();
                values[at] = bad;
                Assert.False(Network<float>.AllFinite(values), $"{bad} at {at}");
            }
        }
    }

    [Fact]
    public void AddL2CompletesAGradientComputedWithoutIt()
    {
        using var network = new Network<double>(new Sequential(new Dense(3, 4), new Tanh(), new Dense(4, 2), new Sigmoid()), new NetworkOptions { Seed = 5 });
        double[] x = [0.5, -1, 2, 1, 0, -0.5, 0.25, 0.75, -2], t = [1, 0, 0, 1, 1, 1];
        var loss = new BinaryCrossEntropy();
        double withL2 = network.ComputeGradients(x, t, 3, loss, l2: 0.7);
        double[] expected = network.Gradients.ToArray();

        double without = network.ComputeGradients(x, t, 3, loss);
        double term = network.AddL2(0.7, 3);
        double squares = network.Weights(0).ToArray().Concat(network.Weights(1).ToArray()).Sum(w => w * w);
        Assert.Equal(0.7 / 2 / 3 * squares, term, 14);
        Assert.Equal(withL2, without + term, 14);
        double[] actual = network.Gradients.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 14);

        double[] before = network.Gradients.ToArray();
        Assert.Equal(0, network.AddL2(0, 3));
        Assert.Equal(before, network.Gradients.ToArray());
    }

    [Fact]
    public void StepIsRefusedBeforeAnyGradientIsWritten()
    {
        using var network = new Network<double>(new Sequential(new Dense(2, 3), new Step(), new Dense(3, 1), new Sigmoid()));
        var error = Assert.Throws<InvalidOperationException>(() => network.ComputeGradients([1, 2], [1], 1, new BinaryCrossEntropy()));
        Assert.Contains("Step", error.Message);
        Assert.All(network.Gradients.ToArray(), g => Assert.Equal(0, g));
    }

    [Fact]
    public void EveryMemberRefusesASecondThreadWhileOneHoldsTheNetwork()
    {
        using var network = new Network<float>(new Sequential(new Dense(2, 2), new Softmax()));
        network.Forward([1f, 2f], 1);
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var owner = new Thread(() =>
        {
            bool entered = network.EnterExclusive("Fit");
            held.Set();
            release.Wait();
            network.ExitExclusive(entered);
        });
        owner.Start();
        held.Wait();
        try
        {
            var calls = new (string Member, Action Call)[]
            {
                ("Parameters", () => _ = network.Parameters.Length),
                ("Gradients", () => _ = network.Gradients.Length),
                ("LastOutputs", () => _ = network.LastOutputs(1).Length),
                ("a layer's weights or gradients", () => _ = network.Weights(0).Length),
                ("a layer's weights or gradients", () => _ = network.BiasGradients(0).Length),
                ("Forward", () => _ = network.Forward([1f, 2f], 1).Length),
                ("Predict", () => network.Predict([1f, 2f], new float[2], 1)),
                ("ComputeLoss", () => network.ComputeLoss([1f, 2f], [1f, 0f], 1, new CategoricalCrossEntropy())),
                ("ComputeGradients", () => network.ComputeGradients([1f, 2f], [1f, 0f], 1, new CategoricalCrossEntropy())),
                ("Dispose", network.Dispose),
            };
            foreach ((string member, Action call) in calls)
            {
                var error = Assert.Throws<InvalidOperationException>(call);
                Assert.Contains($"Network<Single> is in use by thread {owner.ManagedThreadId} (Fit) while thread {Environment.CurrentManagedThreadId} calls {member}", error.Message);
                Assert.Contains("Nn.Serving.Predictor", error.Message);
            }
        }
        finally
        {
            release.Set();
            owner.Join();
        }
        // Released: this thread may use it now.
        Assert.Equal(2, network.Forward([1f, 2f], 1).Length);
    }

    [Fact]
    public void ThreadsTakingTurnsAreFineAndDisposeReleasesTheGuard()
    {
        using var network = new Network<float>(new Sequential(new Dense(2, 2), new Identity()));
        float[] first = RunOn(() => network.Forward([1f, 2f], 1).ToArray());
        float[] second = RunOn(() => network.Forward([1f, 2f], 1).ToArray());
        Assert.Equal(first, second);
        RunOn(() => { network.Predict([1f, 2f], new float[2], 1); return 0; });
        RunOn(() => network.ComputeLoss([1f, 2f], [0f, 0f], 1, new MeanSquaredError()));
        RunOn(() => network.ComputeGradients([1f, 2f], [0f, 0f], 1, new MeanSquaredError()));
        RunOn(() => { network.Dispose(); return 0; });
        // Disposed on another thread: this one is told it is disposed, not that the network is busy.
        var error = Assert.Throws<ObjectDisposedException>(() => network.Forward([1f, 2f], 1).Length);
        Assert.Contains("Network", error.ObjectName);
    }

    private static TResult RunOn<TResult>(Func<TResult> call)
    {
        TResult result = default!;
        var thread = new Thread(() => result = call());
        thread.Start();
        thread.Join();
        return result;
    }

    [Fact]
    public void DisposeFreesTheCurrentAndEveryOutgrownWorkspace()
    {
        var network = new Network<float>(new Sequential(new Dense(2, 2), new Identity()));
        Assert.Equal(0, network.LiveWorkspaces);
        network.Forward(new float[4], 2);
        network.Forward(new float[10], 5);   // outgrows the first, which stays allocated for spans handed out
        network.Forward(new float[6], 3);    // fits: no new workspace
        Assert.Equal(2, network.LiveWorkspaces);
        network.Dispose();
        Assert.Equal(0, network.LiveWorkspaces);
        Assert.Throws<ObjectDisposedException>(() => network.LastOutputs(3).Length);
        Assert.Throws<ObjectDisposedException>(() => network.Gradients.Length);
        network.Dispose(); // idempotent
    }

    [Fact]
    public void RefusedCallsSayWhy()
    {
        using var network = new Network<double>(new Sequential(new Dense(2, 3), new Identity()));
        Assert.Equal("No forward pass has run, so there are no outputs of 3 samples.",
            Assert.Throws<InvalidOperationException>(() => network.LastOutputs(3).Length).Message);
        network.Forward(new double[4], 2);
        Assert.Equal("The most recent forward pass had 2 samples, not 3.",
            Assert.Throws<InvalidOperationException>(() => network.LastOutputs(3).Length).Message);

        var layer = Assert.Throws<ArgumentOutOfRangeException>(() => network.Weights(1).Length);
        Assert.Equal("layer", layer.ParamName);
        Assert.StartsWith("The network has layers 0 to 0.", layer.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Biases(-1).Length);

        var batch = Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward([], 0).Length);
        Assert.StartsWith("A batch needs at least one sample.", batch.Message);
        var l2 = Assert.Throws<ArgumentOutOfRangeException>(() => network.ComputeLoss(new double[2], new double[3], 1, new MeanSquaredError(), l2: -1));
        Assert.Equal("l2", l2.ParamName);
        Assert.StartsWith("The L2 coefficient λ must be finite and non-negative.", l2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.ComputeLoss(new double[2], new double[3], 1, new MeanSquaredError(), l2: double.NaN));
        Assert.Equal("loss", Assert.Throws<ArgumentNullException>(() => network.ComputeLoss(new double[2], new double[3], 1, null!)).ParamName);
        var outputs = Assert.Throws<ArgumentException>(() => network.Predict(new double[2], new double[2], 1));
        Assert.Equal("outputs", outputs.ParamName);
        Assert.StartsWith("The output buffer holds 2 values but 1 samples × 3 outputs need 3.", outputs.Message);
    }

    [Fact]
    public void ArchitecturesExplainWhatIsWrongWithThem()
    {
        var nullLayer = Assert.Throws<ArgumentException>(() => new Sequential(new Dense(2, 2), null!));
        Assert.StartsWith("Layer 1 is null.", nullLayer.Message);
        var softmax = Assert.Throws<ArgumentException>(() => new Sequential(new Dense(2, 2), new Softmax(), new Dense(2, 2)));
        Assert.StartsWith("Softmax (layer 1) is only supported on the output layer.", softmax.Message);
        Assert.Throws<ArgumentNullException>(() => new Sequential(null!));
        Assert.Equal("4-3-2 (Relu, Softmax)", new Sequential(new Dense(4, 3), new Relu(), new Dense(3, 2), new Softmax()).ToString());
        Assert.Equal("4-2 (Identity)", new Sequential(new Dense(4, 2)).ToString());
    }

    [Fact]
    public void TheParameterCountMayReachButNotPassTheLargestArray()
    {
        // 11 × 195,225,781 = Array.MaxLength: a Dense(10, 195,225,781) layer holds exactly that many weights and biases.
        Assert.Equal(11L * 195_225_781, Array.MaxLength);
        DenseLayout[] layouts = DenseLayout.For(new Sequential(new Dense(10, 195_225_781)), out int count);
        Assert.Equal(Array.MaxLength, count);
        Assert.Equal(1_952_257_810, layouts[0].BiasOffset);
        var error = Assert.Throws<ArgumentException>(() => DenseLayout.For(new Sequential(new Dense(11, 195_225_781)), out _));
        Assert.Equal($"The network has more than {Array.MaxLength} parameters.", error.Message);
        Assert.Throws<ArgumentException>(() => DenseLayout.For(new Sequential(new Dense(10, 195_225_781), new Identity(), new Dense(195_225_781, 1)), out _));
    }

    [Fact]
    public void AWorkspaceTooLargeForOneSlabIsRefused()
    {
        // 3 × 600,000,000 values fit an int offset; adding the 600,000,000 log-sum-exp slots does not.
        Assert.Throws<OverflowException>(() => new Workspace<float>([new DenseLayout(0, 1, 1, 1)], 600_000_000));
    }

    [Fact]
    public void ConstructionChecksItsArgumentsAndKeepsTheGivenProvider()
    {
        Assert.Throws<ArgumentNullException>(() => new Network<float>(null!));
        var half = Assert.Throws<NotSupportedException>(() => new Network<Half>(new Sequential(new Dense(2, 2))));
        Assert.Equal("Network supports float and double, not Half.", half.Message);
        Nn.Native.BlasProvider managed = Nn.Native.Blas.Load(Nn.Native.BlasProviderKind.Managed);
        using var network = new Network<float>(new Sequential(new Dense(2, 2)), new NetworkOptions { Provider = managed });
        Assert.Same(managed, network.Provider);
        using var byDefault = new Network<float>(new Sequential(new Dense(2, 2)));
        Assert.Same(Nn.Native.Blas.Provider, byDefault.Provider);
    }

    [Fact]
    public void AnInfinitePreActivationIsFoundEvenWhenTheActivationHidesIt()
    {
        // ReLU(−∞) = 0: the output is finite, the pre-activation is not.
        using var network = new Network<double>(new Sequential(new Dense(1, 1), new Relu(), new Dense(1, 1)));
        network.Weights(0)[0] = 1e200;
        network.Forward([-1e200], 1);
        Assert.Equal("layer 1 activations", network.FindNonFinite(1));
    }

    [Fact]
    public void TrainedModelsScaleThenPredictAndOwnTheirNetwork()
    {
        var network = new Network<double>(new Sequential(new Dense(2, 2), new Tanh()), new NetworkOptions { Seed = 3 });
        var scaler = Nn.Data.FeatureScaler.FromParameters(Nn.Data.ScalingKind.Standard, [2.0, 0.5], [-1.0, 1.0]);
        var model = new TrainedModel<double>(network, scaler, summary: "by hand");
        Assert.Equal("by hand", model.Summary);
        foreach (int batch in new[] { 1, 3, 2 })   // the scratch buffer grows once, then is reused
        {
            double[] raw = Enumerable.Range(0, batch * 2).Select(i => i * 0.7 - 1).ToArray();
            double[] scaled = raw.Select((v, i) => i % 2 == 0 ? v * 2 - 1 : v * 0.5 + 1).ToArray();
            double[] expected = network.Forward(scaled, batch).ToArray(), actual = new double[batch * 2], copy = (double[])raw.Clone();
            model.Predict(raw, actual, batch);
            Assert.Equal(expected, actual);
            Assert.Equal(copy, raw);   // the raw inputs are not scaled in place
        }
        var shape = Assert.Throws<ArgumentException>(() => model.Predict(new double[3], new double[2], 1));
        Assert.Equal("rawInputs", shape.ParamName);
        Assert.StartsWith("The inputs hold 3 values but 1 samples × 2 features need 2.", shape.Message);
        Assert.Equal(2.0, RunOn(() => { var y = new double[2]; model.Predict([0.0, 0.0], y, 1); return 2.0; }));
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => network.Parameters.Length);
    }

    [Fact]
    public void TrainedModelsCheckWhatTheyAreGiven()
    {
        Assert.Throws<ArgumentNullException>(() => new TrainedModel<float>(null!));
        using var network = new Network<float>(new Sequential(new Dense(3, 1), new Sigmoid()));
        var scaler = Assert.Throws<ArgumentException>(() => new TrainedModel<float>(network, Nn.Data.FeatureScaler.None(4)));
        Assert.Equal("scaler", scaler.ParamName);
        Assert.StartsWith("The scaler has 4 features but the network takes 3.", scaler.Message);
        var names = Assert.Throws<ArgumentException>(() => new TrainedModel<float>(network, classNames: ["a", "b", "c"]));
        Assert.StartsWith("3 class names do not fit 1 outputs.", names.Message);
        using (var three = new Network<float>(new Sequential(new Dense(3, 3), new Softmax())))
        {
            // Two names fit one sigmoid output only, not three softmax outputs.
            Assert.Throws<ArgumentException>(() => new TrainedModel<float>(three, classNames: ["a", "b"]));
        }
        // One sigmoid output with two names is a binary classifier.
        var model = new TrainedModel<float>(network, classNames: ["no", "yes"]);
        Assert.Equal(["no", "yes"], model.ClassNames!);
        Assert.Equal("", model.Summary);
    }
}
