//! The CTranslate2 `model.bin` format (binary versions 5 and 6, as written by faster-whisper's
//! converter): a header, then named tensors. Read straight into candle tensors, so the model
//! needs no conversion step and no Python.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};

use super::ModelError;

/// The tensors of a float16, bfloat16 or float32 CTranslate2 model.
#[derive(Debug)]
pub(crate) struct Ct2Model {
    /// The model specification, `WhisperSpec` for Whisper.
    pub(crate) spec: String,
    variables: HashMap<String, Tensor>,
}

impl Ct2Model {
    /// Parses a whole `model.bin`.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, ModelError> {
        let mut reader = ByteReader { bytes, offset: 0 };
        let version = reader.u32()?;
        if !(5..=6).contains(&version) {
            return Err(ModelError::Unsupported(format!(
                "CTranslate2 binary version {version} (5 or 6 expected)"
            )));
        }
        let spec = reader.string()?;
        let _revision = reader.u32()?;
        let count = reader.u32()?;
        let mut variables = HashMap::new();
        for _ in 0..count {
            let (name, tensor) = reader.variable()?;
            variables.insert(name, tensor);
        }
        Ok(Ct2Model { spec, variables })
    }

    /// A float tensor, as f32.
    pub(crate) fn tensor(&self, name: &str) -> Result<Tensor, ModelError> {
        let tensor = self
            .variables
            .get(name)
            .ok_or_else(|| ModelError::MissingTensor(name.to_owned()))?;
        if tensor.dtype() == DType::I64 {
            return Err(ModelError::Unsupported(format!(
                "{name} is quantized; use a float16 or float32 model"
            )));
        }
        Ok(tensor.to_dtype(DType::F32)?)
    }

    /// An integer scalar, such as `encoder/num_heads`.
    pub(crate) fn integer(&self, name: &str) -> Result<usize, ModelError> {
        let tensor = self
            .variables
            .get(name)
            .ok_or_else(|| ModelError::MissingTensor(name.to_owned()))?;
        let value = tensor
            .flatten_all()?
            .to_dtype(DType::I64)?
            .to_vec1::<i64>()?;
        match value.as_slice() {
            &[value] => usize::try_from(value)
                .map_err(|_| ModelError::Invalid(format!("{name} is negative"))),
            _ => Err(ModelError::Invalid(format!("{name} is not a scalar"))),
        }
    }

    /// How many `{prefix}/layer_N` blocks the model has.
    pub(crate) fn layer_count(&self, prefix: &str) -> usize {
        (0..)
            .take_while(|layer| {
                let name = format!("{prefix}/layer_{layer}/ffn/linear_0/weight");
                self.variables.contains_key(&name)
            })
            .count()
    }
}

/// A cursor over `model.bin` that reports truncation as an error.
struct ByteReader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> ByteReader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], ModelError> {
        let truncated = ModelError::Truncated {
            offset: self.offset,
        };
        let end = self.offset.checked_add(len).ok_or(truncated)?;
        let taken = self
            .bytes
            .get(self.offset..end)
            .ok_or(ModelError::Truncated {
                offset: self.offset,
            })?;
        self.offset = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let offset = self.offset;
        self.take(N)?
            .try_into()
            .map_err(|_| ModelError::Truncated { offset })
    }

    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A string stored as a u16 length (counting its trailing NUL) and the bytes.
    fn string(&mut self) -> Result<String, ModelError> {
        let len = usize::from(self.u16()?);
        let bytes = self.take(len)?;
        let text = bytes.strip_suffix(&[0]).unwrap_or(bytes);
        String::from_utf8(text.to_vec()).map_err(|_| {
            ModelError::Invalid(format!("a name at byte {} is not UTF-8", self.offset))
        })
    }

    /// One variable: name, shape, data type, then the raw little-endian data.
    fn variable(&mut self) -> Result<(String, Tensor), ModelError> {
        let name = self.string()?;
        let rank = self.u8()?;
        let shape = (0..rank)
            .map(|_| self.u32().map(|dim| dim as usize))
            .collect::<Result<Vec<_>, _>>()?;
        let type_id = self.u8()?;
        let byte_len = self.u32()? as usize;
        let data = self.take(byte_len)?;
        let elements = shape
            .iter()
            .try_fold(1usize, |product, dim| product.checked_mul(*dim))
            .ok_or_else(|| ModelError::Invalid(format!("{name} has an impossible shape")))?;
        let element_size = match type_id {
            0 => 4,
            1 => 1,
            2 => 2,
            3 => 4,
            4 | 5 => 2,
            other => {
                return Err(ModelError::Unsupported(format!(
                    "{name} has unknown data type {other}"
                )));
            }
        };
        if elements.checked_mul(element_size) != Some(byte_len) {
            return Err(ModelError::Invalid(format!(
                "{name}: {byte_len} bytes for shape {shape:?}"
            )));
        }
        let tensor = match type_id {
            0 => Tensor::from_raw_buffer(data, DType::F32, &shape, &Device::Cpu)?,
            4 => Tensor::from_raw_buffer(data, DType::F16, &shape, &Device::Cpu)?,
            5 => Tensor::from_raw_buffer(data, DType::BF16, &shape, &Device::Cpu)?,
            // Integers are scalars and flags in a float model (or quantized weights, which
            // `Ct2Model::tensor` refuses); they are kept as i64.
            _ => {
                let values: Vec<i64> = data
                    .chunks_exact(element_size)
                    .map(|chunk| match *chunk {
                        [a] => i64::from(a as i8),
                        [a, b] => i64::from(i16::from_le_bytes([a, b])),
                        [a, b, c, d] => i64::from(i32::from_le_bytes([a, b, c, d])),
                        _ => 0,
                    })
                    .collect();
                Tensor::from_vec(values, shape.as_slice(), &Device::Cpu)?
            }
        };
        Ok((name, tensor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny valid model.bin: version 6, spec "WhisperSpec", two variables.
    fn tiny_model() -> Vec<u8> {
        fn string(out: &mut Vec<u8>, text: &str) {
            out.extend((text.len() as u16 + 1).to_le_bytes());
            out.extend(text.as_bytes());
            out.push(0);
        }
        let mut bytes = 6u32.to_le_bytes().to_vec();
        string(&mut bytes, "WhisperSpec");
        bytes.extend(1u32.to_le_bytes());
        bytes.extend(2u32.to_le_bytes());
        string(&mut bytes, "encoder/num_heads");
        bytes.extend([0, 3]); // rank 0, int32
        bytes.extend(4u32.to_le_bytes());
        bytes.extend(8i32.to_le_bytes());
        string(&mut bytes, "decoder/layer_norm/gamma");
        bytes.extend([1]);
        bytes.extend(2u32.to_le_bytes());
        bytes.extend([4]); // float16
        bytes.extend(4u32.to_le_bytes());
        bytes.extend([0x00, 0x3c, 0x00, 0xc0]); // 1.0, -2.0
        bytes
    }

    #[test]
    fn a_small_model_bin_is_read() {
        let model = Ct2Model::parse(&tiny_model()).unwrap();
        assert_eq!(model.spec, "WhisperSpec");
        assert_eq!(model.integer("encoder/num_heads").unwrap(), 8);
        let gamma = model.tensor("decoder/layer_norm/gamma").unwrap();
        assert_eq!(gamma.to_vec1::<f32>().unwrap(), [1.0, -2.0]);
        assert!(matches!(
            model.tensor("decoder/missing"),
            Err(ModelError::MissingTensor(_))
        ));
    }

    #[test]
    fn every_truncation_is_a_typed_error_not_a_panic() {
        let bytes = tiny_model();
        for len in 0..bytes.len() {
            match Ct2Model::parse(&bytes[..len]) {
                Err(ModelError::Truncated { offset }) => assert!(offset <= len),
                other => panic!("cut at {len}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_unknown_version_is_unsupported() {
        let mut bytes = tiny_model();
        bytes[0] = 4;
        assert!(matches!(
            Ct2Model::parse(&bytes),
            Err(ModelError::Unsupported(_))
        ));
    }

    #[test]
    fn a_size_that_does_not_match_the_shape_is_invalid() {
        let mut bytes = tiny_model();
        let shape_at = bytes.len() - 4 - 4 - 1 - 4;
        bytes[shape_at] = 3; // three f16 values announced, two stored
        assert!(matches!(
            Ct2Model::parse(&bytes),
            Err(ModelError::Invalid(_))
        ));
    }
}
