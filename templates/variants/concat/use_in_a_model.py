tokens = [keras.Input(shape=(None,), dtype="int32") for _ in range(3)]
# One mask per sequence: tokens != 0.
embedding = keras.layers.Embedding(1000, 16, mask_zero=True)
# Joins the three sequences along time, and their masks.
x = {{ cookiecutter.layer_class_name }}(axis=1)([embedding(t) for t in tokens])
# Reads the real steps of each sequence in turn.
x = keras.layers.GRU(16)(x)
model = keras.Model(tokens, keras.layers.Dense(2)(x))
model.predict([np.array([[7, 3, 9, 0]]), np.array([[4, 0]]), np.array([[5, 6, 0]])])
